// Status: the outcome of a library call that can fail on data or I/O.
//
// The library never throws for bad input or failed system calls: it returns a
// Status and lets the caller decide (skip a record, answer 5xx, exit 1).
// Exceptions are left to bugs and to CLI11's argument parsing.
#pragma once

#include <string>
#include <string_view>

namespace tm_core {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kInvalidArgument, kNotFound, kCorruption, kIoError, kInternal };

  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return {Code::kInvalidArgument, msg}; }
  static Status NotFound(std::string_view msg) { return {Code::kNotFound, msg}; }
  static Status Corruption(std::string_view msg) { return {Code::kCorruption, msg}; }
  static Status Internal(std::string_view msg) { return {Code::kInternal, msg}; }
  static Status IoError(std::string_view msg) { return {Code::kIoError, msg}; }
  // "<what>: <strerror(err)>", as coreutils words a failed system call.
  static Status IoError(std::string_view what, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The message alone, in our words: "where: what went wrong" is for the caller to add.
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace tm_core
