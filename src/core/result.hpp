// The one error type of fimon: cheap on success, a message on failure, never ignorable.
// Platform code maps errno / Win32 codes into it (platform/*/errors.cpp); everything else only
// creates, propagates and prints it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace fimon {

enum class ErrorKind {
  kInvalidArgument,  // bad config or input from the user
  kNotFound,         // the file/process/etc. is gone
  kPermission,
  kUnsupported,  // the host lacks a feature (kernel, filesystem, cluster)
  kIo,           // any other OS or network failure
  kRemote,       // the remote side (Elasticsearch) refused
  kExhausted,    // a bounded resource is full (the spool): try again later
};

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_;
  std::string message_;
};

inline Error invalid_argument(std::string m) {
  return {ErrorKind::kInvalidArgument, std::move(m)};
}
inline Error not_found(std::string m) {
  return {ErrorKind::kNotFound, std::move(m)};
}
inline Error unsupported(std::string m) {
  return {ErrorKind::kUnsupported, std::move(m)};
}
inline Error io_error(std::string m) {
  return {ErrorKind::kIo, std::move(m)};
}
inline Error remote_error(std::string m) {
  return {ErrorKind::kRemote, std::move(m)};
}
inline Error exhausted(std::string m) {
  return {ErrorKind::kExhausted, std::move(m)};
}

// Result<T>: a value or an Error. Result<void> is spelled Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorKind::kIo, ""};
  bool ok_ = true;
};

}  // namespace fimon
