// Status: how the outside world's failures (disk, file formats, sockets) are returned at the edges.
// The caller must look at it. Business rejections are not Statuses; they are qz::Result codes.
#pragma once

#include <string>
#include <utility>

namespace qz {

class [[nodiscard]] Status {
 public:
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message)); }

  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  Status() = default;
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  std::string message_;
};

}  // namespace qz

#define QZ_TRY(expr)                         \
  do {                                       \
    ::qz::Status qz_status_ = (expr);        \
    if (!qz_status_.is_ok()) return qz_status_; \
  } while (0)
