#pragma once
// Probing this machine's loopback ports.
#include <chrono>

namespace dlenv {

// True when a TCP socket can bind 127.0.0.1:port right now.
bool can_bind_loopback(int port);

// True when a connection to 127.0.0.1:port is greeted with "SSH-" within `timeout` (sshd is
// up: docker-proxy accepts on a published port even before anything listens behind it).
bool ssh_greets(int port, std::chrono::milliseconds timeout);

}  // namespace dlenv
