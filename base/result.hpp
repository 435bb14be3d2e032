#pragma once
/// Result<T>: a value, or diagnostics explaining why there is none; Status
/// (Result<void>): success, or diagnostics saying why not. The one error
/// currency across layers. (GCC 12 in C++20 has no std::expected.)

#include <optional>
#include <string>
#include <utility>

#include "base/diagnostic.hpp"

namespace jailplan {

/// The first error's summary in `d` ("" when there is none).
std::string first_error(const Diagnostics& d);
/// Diagnostics holding one error: what a failed Result<T> is made of.
Diagnostics one_error(std::string summary, Location where = {}, std::string code = {});

template <typename T>
class Result {
 public:
  Result(T value) : m_value(std::move(value)) {}            // NOLINT: implicit by design
  Result(Diagnostics diags) : m_diags(std::move(diags)) {}  // NOLINT

  bool ok() const { return m_value.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *m_value; }
  const T& value() const { return *m_value; }
  T& operator*() { return *m_value; }
  const T& operator*() const { return *m_value; }
  T* operator->() { return &*m_value; }
  const T* operator->() const { return &*m_value; }
  const Diagnostics& diagnostics() const { return m_diags; }
  Diagnostics& diagnostics() { return m_diags; }
  /// The first error's summary, the one-line form ("" when ok).
  std::string message() const { return first_error(m_diags); }

 private:
  std::optional<T> m_value;
  Diagnostics m_diags;
};

template <>
class Result<void> {
 public:
  Result() = default;
  Result(Diagnostics diags) : m_diags(std::move(diags)) {}  // NOLINT: implicit by design

  bool ok() const { return !m_diags.has_errors(); }
  explicit operator bool() const { return ok(); }
  const Diagnostics& diagnostics() const { return m_diags; }
  Diagnostics& diagnostics() { return m_diags; }
  /// The first error's summary, the one-line form ("" when ok).
  std::string message() const;
  /// Points every error that has no location yet at `where`.
  void locate(Location where);

 private:
  Diagnostics m_diags;
};

using Status = Result<void>;

/// A failure with one error.
Status failure(std::string summary, Location where = {}, std::string code = {});

}  // namespace jailplan
