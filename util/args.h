// Command-line flags for the example mains: --name value or --name=value, each bound to a
// variable whose initial value is the default that --help shows. Unknown flags and bad values
// print an error and the usage instead of throwing, so a typo never ends in a crash.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/device.h"

namespace tg::util {

class ArgParser {
 public:
  ArgParser(std::string program, std::string description);

  void add(const std::string& name, int64_t* value, const std::string& help);
  void add(const std::string& name, double* value, const std::string& help);  // finite values only
  void add(const std::string& name, std::string* value, const std::string& help);
  void add(const std::string& name, bool* value, const std::string& help);  // a switch: --name sets true
  // --device: cpu, cuda or cuda:N; one this build or machine cannot serve is a bad value.
  void add_device(Device* value);

  // Parses argv. Returns the exit code when the program should stop now: 0 after --help (usage on
  // stdout), 2 after an unknown flag, a flag given twice or a bad value (the error and usage on stderr).
  std::optional<int> parse(int argc, char** argv);
  // For checks after parse: prints "error: <message>" and the usage to stderr, returns 2.
  int error(const std::string& message) const;
  // Runs the program's body: its return value, or after an exception "<program>: error: <what>"
  // on stderr and 1, so a failure deep in a run ends with a message instead of std::terminate.
  int run_reporting_errors(const std::function<int()>& body) const;
  std::string usage() const;

 private:
  using Target = std::variant<int64_t*, double*, std::string*, bool*, Device*>;
  struct Flag {
    std::string name, help, default_text;
    Target target;
  };
  void add_flag(const std::string& name, Target target, const std::string& help, std::string default_text);
  // "" on success, otherwise what is wrong with `text` as a value of `flag`.
  static std::string assign(const Flag& flag, const std::string& text);

  std::string program_, description_;
  std::vector<Flag> flags_;
};

}  // namespace tg::util
