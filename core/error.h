// tg::Error and the check macro every precondition goes through. Messages name the op and
// the shapes, dtypes and devices involved; they are formatted with fmt.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <string>

namespace tg {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

template <class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace tg

// TG_CHECK(cond, "op: message {}", args...) throws tg::Error with the formatted message.
#define TG_CHECK(cond, ...)            \
  do {                                 \
    if (!(cond)) ::tg::fail(__VA_ARGS__); \
  } while (0)
