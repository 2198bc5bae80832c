#pragma once
// Process-wide Ctrl-C flag. The CLI installs the signal handler; long operations poll it
// between steps and return ErrorCode::interrupted, leaving state the next run can finish.
namespace dlenv {

void request_interrupt() noexcept;
bool interrupted() noexcept;
void clear_interrupt() noexcept;

}  // namespace dlenv
