// Flag parsing for the examples (see args.h).
#include "util/args.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <set>

#include "core/backend.h"
#include "core/error.h"

namespace tg::util {

ArgParser::ArgParser(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

void ArgParser::add_flag(const std::string& name, Target target, const std::string& help, std::string default_text) {
  flags_.push_back({name, help, std::move(default_text), target});
}
void ArgParser::add(const std::string& name, int64_t* value, const std::string& help) {
  add_flag(name, value, help, std::to_string(*value));
}
void ArgParser::add(const std::string& name, double* value, const std::string& help) {
  add_flag(name, value, help, fmt::format("{}", *value));
}
void ArgParser::add(const std::string& name, std::string* value, const std::string& help) {
  add_flag(name, value, help, *value);
}
void ArgParser::add(const std::string& name, bool* value, const std::string& help) {
  add_flag(name, value, help, "");
}
void ArgParser::add_device(Device* value) {
  add_flag("device", value, "cpu, or cuda (cuda:0) where tapegrad was built with CUDA and a GPU is present",
           value->str());
}

std::string ArgParser::assign(const Flag& flag, const std::string& text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (auto* i = std::get_if<int64_t*>(&flag.target)) {
    auto [end, ec] = std::from_chars(first, last, **i);
    if (ec != std::errc() || end != last || text.empty())
      return fmt::format("--{} expects an integer, got '{}'", flag.name, text);
  } else if (auto* d = std::get_if<double*>(&flag.target)) {
    auto [end, ec] = std::from_chars(first, last, **d);
    if (ec != std::errc() || end != last || text.empty() || !std::isfinite(**d))
      return fmt::format("--{} expects a finite number, got '{}'", flag.name, text);
  } else if (auto* s = std::get_if<std::string*>(&flag.target)) {
    **s = text;
  } else if (auto* device = std::get_if<Device*>(&flag.target)) {
    try {
      **device = parse_device(text);
      (void)backend(**device);  // throws when the device is not there
    } catch (const Error& e) {
      return fmt::format("--{}: {}", flag.name, e.what());
    }
  }
  return "";
}

std::optional<int> ArgParser::parse(int argc, char** argv) {
  std::set<std::string> seen;  // a flag given twice is a mistake (which one should win?), not a silent override
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      fmt::print("{}", usage());
      return 0;
    }
    if (arg.rfind("--", 0) != 0) return error(fmt::format("unexpected argument '{}'", arg));
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const Flag* flag = nullptr;
    for (const Flag& f : flags_)
      if (f.name == name) flag = &f;
    if (!flag) return error(fmt::format("unknown flag --{}", name));
    if (!seen.insert(name).second) return error(fmt::format("--{} is given more than once", name));
    if (auto* b = std::get_if<bool*>(&flag->target)) {
      if (eq != std::string::npos) return error(fmt::format("--{} is a switch and takes no value", name));
      **b = true;
      continue;
    }
    std::string value;
    if (eq != std::string::npos) value = arg.substr(eq + 1);
    else if (i + 1 < argc) value = argv[++i];
    else return error(fmt::format("--{} needs a value", name));
    std::string problem = assign(*flag, value);
    if (!problem.empty()) return error(problem);
  }
  return std::nullopt;
}

int ArgParser::error(const std::string& message) const {
  fmt::print(stderr, "{}: error: {}\n\n{}", program_, message, usage());
  return 2;
}

int ArgParser::run_reporting_errors(const std::function<int()>& body) const {
  try {
    return body();
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: error: {}\n", program_, e.what());
    return 1;
  }
}

std::string ArgParser::usage() const {
  std::string out = fmt::format("usage: {} [flags]\n{}\n\nflags:\n", program_, description_);
  for (const Flag& f : flags_) {
    if (std::holds_alternative<bool*>(f.target)) out += fmt::format("  --{:<14} {}\n", f.name, f.help);
    else out += fmt::format("  --{:<14} {} (default: {})\n", f.name, f.help, f.default_text);
  }
  out += fmt::format("  --{:<14} {}\n", "help", "show this message");
  return out;
}

}  // namespace tg::util
