// util::ArgParser (the example mains' flags): values bind to their variables, a repeated flag, an
// unknown flag or a bad value stop the program with exit code 2 and leave a message on stderr.
#include <vector>

#include "test_util.h"
#include "util/args.h"

using namespace tg;

namespace {

// Parses `argv` (argv[0] added) with a parser that has --steps, --lr, --name and --quiet.
struct Parsed {
  std::optional<int> exit_code;
  int64_t steps = 5;
  double lr = 0.1;
  std::string name = "x";
  bool quiet = false;
};
Parsed parse(std::vector<std::string> args) {
  Parsed p;
  util::ArgParser parser("prog", "a test program");
  parser.add("steps", &p.steps, "steps");
  parser.add("lr", &p.lr, "learning rate");
  parser.add("name", &p.name, "a name");
  parser.add("quiet", &p.quiet, "a switch");
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::FILE* saved = stderr;
  stderr = std::tmpfile();  // keep the usage text out of the test log
  p.exit_code = parser.parse(int(argv.size()), argv.data());
  std::fclose(stderr);
  stderr = saved;
  return p;
}

}  // namespace

TEST_CASE("ArgParser: values, --name=value, switches; a repeated, unknown or bad flag is exit code 2" * TG_CPU_ONLY) {
  Parsed ok = parse({"--steps", "7", "--lr=0.5", "--name", "run", "--quiet"});
  CHECK(!ok.exit_code);
  CHECK(ok.steps == 7);
  CHECK(ok.lr == 0.5);
  CHECK(ok.name == "run");
  CHECK(ok.quiet);
  Parsed defaults = parse({});
  CHECK(!defaults.exit_code);
  CHECK(defaults.steps == 5);
  // a flag given twice is an error, in any spelling, switches included (it used to keep the last)
  CHECK(parse({"--steps", "7", "--steps", "8"}).exit_code == 2);
  CHECK(parse({"--steps=7", "--lr", "1", "--steps", "7"}).exit_code == 2);
  CHECK(parse({"--quiet", "--quiet"}).exit_code == 2);
  CHECK(parse({"--stepz", "7"}).exit_code == 2);
  CHECK(parse({"--steps", "7x"}).exit_code == 2);
  CHECK(parse({"--lr", "inf"}).exit_code == 2);
  CHECK(parse({"--steps"}).exit_code == 2);
}
