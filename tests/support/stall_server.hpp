#pragma once
// A stand-in container engine socket for the engine-deadline tests: a unix-socket server on
// one poll() thread that reads each connection's request head and lets the test decide what
// happens to it: forward it to the real engine, answer with canned bytes (at once, or a chunk
// at a time), or accept it and never answer. dlenv opens one connection per request, so a
// connection is a request here.
//
// Bounded: the thread stops when the object is destroyed, or by itself after `lifetime`;
// every connection it holds is closed then.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dlenv::testing {

// What to do with one request.
struct StallAction {
  enum class Kind { forward, stall, send };
  Kind kind = Kind::stall;
  std::string head;                        // send: written at once
  std::string chunk;                       // send: then this, `repeat` times, `every` apart
  int repeat = 0;
  std::chrono::milliseconds every{0};
  bool hold = false;                       // send: stay open and silent after the last byte

  static StallAction of(Kind kind, std::string head = {}) {
    StallAction action;
    action.kind = kind;
    action.head = std::move(head);
    return action;
  }
  static StallAction forward() { return of(Kind::forward); }
  static StallAction stall() { return of(Kind::stall); }
  static StallAction reply(std::string bytes) { return of(Kind::send, std::move(bytes)); }
  // Sends `head` and then nothing, keeping the connection open.
  static StallAction reply_then_stall(std::string head) {
    StallAction action = of(Kind::send, std::move(head));
    action.hold = true;
    return action;
  }
  static StallAction trickle(std::string head, std::string chunk, std::chrono::milliseconds every, int repeat) {
    StallAction action = of(Kind::send, std::move(head));
    action.chunk = std::move(chunk);
    action.every = every;
    action.repeat = repeat;
    return action;
  }
};

// A complete HTTP/1.1 response that closes the connection.
inline std::string http_response(int status, const std::string& body, const std::string& extra_headers = {},
                                 const std::string& content_type = "application/json") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "Connection: close\r\n\r\n" +
         body;
}

class StallServer {
 public:
  using Clock = std::chrono::steady_clock;
  // index: 0-based count of requests so far; line: "GET /v1.41/containers/json?all=1 HTTP/1.1".
  using Decide = std::function<StallAction(size_t index, const std::string& line)>;

  StallServer(std::filesystem::path socket_path, Decide decide, std::string upstream = "/var/run/docker.sock",
              std::chrono::milliseconds lifetime = std::chrono::minutes(10))
      : path_(std::move(socket_path)), upstream_(std::move(upstream)), decide_(std::move(decide)),
        stop_at_(Clock::now() + lifetime) {
    std::filesystem::remove(path_);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un address = unix_address(path_.string());
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      const std::string why = std::strerror(errno);
      if (listen_fd_ >= 0) ::close(listen_fd_);
      throw std::runtime_error("cannot listen on " + path_.string() + ": " + why);
    }
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
    thread_ = std::thread([this] { loop(); });
  }

  ~StallServer() {
    stopping_ = true;
    (void)!::write(wake_[1], "x", 1);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
    std::filesystem::remove(path_);
  }

  StallServer(const StallServer&) = delete;
  StallServer& operator=(const StallServer&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string docker_host() const { return "unix://" + path_.string(); }

  // The request lines seen so far, in order.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  struct Connection {
    int client = -1;
    int upstream = -1;                 // forward only
    bool decided = false;
    StallAction action;
    std::string head;                  // what arrived before the decision
    std::string to_upstream, to_client;
    bool client_eof = false, upstream_eof = false;
    bool client_write_shut = false, upstream_write_shut = false;
    int sent_chunks = 0;
    Clock::time_point next_chunk;
    bool done = false;
  };

  static sockaddr_un unix_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) throw std::runtime_error("socket path too long: " + path);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
  }

  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Reads what is there; false on end of stream or error.
  static bool read_some(int fd, std::string& into) {
    char buffer[16384];
    for (;;) {
      const ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got > 0) {
        into.append(buffer, static_cast<size_t>(got));
        if (static_cast<size_t>(got) < sizeof buffer) return true;
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) return true;
      return false;
    }
  }

  // Writes what it can of `from`; false on error.
  static bool write_some(int fd, std::string& from) {
    while (!from.empty()) {
      const ssize_t sent = ::send(fd, from.data(), from.size(), MSG_NOSIGNAL);
      if (sent > 0) {
        from.erase(0, static_cast<size_t>(sent));
        continue;
      }
      if (sent < 0 && (errno == EAGAIN || errno == EINTR)) return true;
      return false;
    }
    return true;
  }

  void decide(Connection& c) {
    const auto end = c.head.find("\r\n");
    const std::string line = c.head.substr(0, end);
    size_t index;
    {
      std::lock_guard lock(mutex_);
      index = requests_.size();
      requests_.push_back(line);
    }
    c.action = decide_(index, line);
    c.decided = true;
    switch (c.action.kind) {
      case StallAction::Kind::forward: {
        c.upstream = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address = unix_address(upstream_);
        if (c.upstream < 0 || ::connect(c.upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
          c.done = true;
          return;
        }
        ::fcntl(c.upstream, F_SETFL, ::fcntl(c.upstream, F_GETFL) | O_NONBLOCK);
        c.to_upstream = std::move(c.head);
        break;
      }
      case StallAction::Kind::stall:
        break;
      case StallAction::Kind::send:
        c.to_client = c.action.head;
        c.next_chunk = Clock::now() + c.action.every;
        break;
    }
    c.head.clear();
  }

  // Moves bytes and advances the script; marks the connection done when it is over.
  void step(Connection& c, short client_events, short upstream_events) {
    if (client_events & (POLLIN | POLLHUP | POLLERR)) {
      std::string& into = c.decided && c.action.kind == StallAction::Kind::forward ? c.to_upstream : c.head;
      if (!read_some(c.client, into)) c.client_eof = true;
      if (!c.decided && (c.head.find("\r\n\r\n") != std::string::npos || c.head.size() > 65536 || c.client_eof))
        decide(c);
      if (c.decided && c.action.kind != StallAction::Kind::forward) c.head.clear();  // a body: discarded
    }
    if (!c.decided) {
      if (c.client_eof) c.done = true;
      return;
    }
    switch (c.action.kind) {
      case StallAction::Kind::stall:
        if (c.client_eof) c.done = true;  // the client gave up
        return;
      case StallAction::Kind::send: {
        if (c.to_client.empty() && c.sent_chunks < c.action.repeat && Clock::now() >= c.next_chunk) {
          c.to_client = c.action.chunk;
          ++c.sent_chunks;
          c.next_chunk = Clock::now() + c.action.every;
        }
        if (!write_some(c.client, c.to_client)) c.done = true;
        const bool finished = c.to_client.empty() && c.sent_chunks >= c.action.repeat;
        if (finished && !c.action.hold && !c.client_write_shut) {
          ::shutdown(c.client, SHUT_WR);  // the answer is over; read until the client closes
          c.client_write_shut = true;
        }
        if (c.client_eof) c.done = true;
        return;
      }
      case StallAction::Kind::forward: {
        if (c.upstream < 0) {
          c.done = true;
          return;
        }
        if (upstream_events & (POLLIN | POLLHUP | POLLERR))
          if (!read_some(c.upstream, c.to_client)) c.upstream_eof = true;
        if (!write_some(c.upstream, c.to_upstream) || !write_some(c.client, c.to_client)) {
          c.done = true;
          return;
        }
        if (c.client_eof && c.to_upstream.empty() && !c.upstream_write_shut) {
          ::shutdown(c.upstream, SHUT_WR);
          c.upstream_write_shut = true;
        }
        if (c.upstream_eof && c.to_client.empty() && !c.client_write_shut) {
          ::shutdown(c.client, SHUT_WR);
          c.client_write_shut = true;
        }
        if (c.client_eof && c.upstream_eof && c.to_client.empty()) c.done = true;
        return;
      }
    }
  }

  void loop() {
    std::list<Connection> connections;
    while (!stopping_ && Clock::now() < stop_at_) {
      std::vector<pollfd> entries{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      std::vector<std::pair<Connection*, size_t>> index;  // connection, its first entry
      auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(stop_at_ - Clock::now());
      for (auto& c : connections) {
        index.emplace_back(&c, entries.size());
        const bool forward = c.decided && c.action.kind == StallAction::Kind::forward;
        short client_events = 0;
        if (!c.client_eof && (!forward || c.to_upstream.size() < (1 << 20))) client_events |= POLLIN;
        if (!c.to_client.empty()) client_events |= POLLOUT;
        entries.push_back({c.client, client_events, 0});
        short upstream_events = 0;
        if (forward && c.upstream >= 0) {
          if (!c.upstream_eof && c.to_client.size() < (1 << 20)) upstream_events |= POLLIN;
          if (!c.to_upstream.empty()) upstream_events |= POLLOUT;
        }
        entries.push_back({forward ? c.upstream : -1, upstream_events, 0});
        if (c.decided && c.action.kind == StallAction::Kind::send && c.sent_chunks < c.action.repeat)
          timeout = std::min(timeout, std::max(std::chrono::milliseconds(0),
                                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   c.next_chunk - Clock::now())));
      }
      const int ready = ::poll(entries.data(), entries.size(), static_cast<int>(std::max<int64_t>(0, timeout.count())));
      if (ready < 0 && errno != EINTR) break;
      if (entries[1].revents & POLLIN) {
        for (;;) {
          const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (fd < 0) break;
          connections.emplace_back().client = fd;
        }
      }
      for (auto& [c, at] : index) step(*c, entries[at].revents, entries[at + 1].revents);
      for (auto it = connections.begin(); it != connections.end();) {
        if (it->done) {
          close_fd(it->client);
          close_fd(it->upstream);
          it = connections.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& c : connections) {
      close_fd(c.client);
      close_fd(c.upstream);
    }
    ::close(listen_fd_);
  }

  std::filesystem::path path_;
  std::string upstream_;
  Decide decide_;
  Clock::time_point stop_at_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace dlenv::testing
