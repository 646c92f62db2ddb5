// A test fixture for the CLI tests that spawn the built binary (OSIER_BINARY): a fresh home in a
// temporary directory, initialised with the identity `alice` and the communal namespace `fam`,
// and a runner that adds `--home`.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/run_process.hpp"

namespace osier::testing {

class CliHome : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/osier_cli_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    home_ = dir_ + "/home";
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"init"}, {"id", "new", "alice"}, {"ns", "new", "fam", "--communal"}}) {
      const ProcessResult r = osier(args);
      ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    }
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // Runs `osier ARGS --home HOME` (this fixture's home unless `home` is given).
  ProcessResult osier(std::vector<std::string> args, const std::string& input = "",
                      const RunOptions& options = {}, const std::string& home = "") const {
    args.insert(args.begin(), OSIER_BINARY);
    args.push_back("--home");
    args.push_back(home.empty() ? home_ : home);
    return run_process(std::move(args), input, options);
  }
  // A second, initialised home under the test's directory.
  std::string other_home(const std::string& name = "other") const {
    const std::string h = dir_ + "/" + name;
    EXPECT_EQ(run_process({OSIER_BINARY, "init", "--home", h}).exit_code, 0);
    return h;
  }

  std::string dir_, home_;
};

}  // namespace osier::testing
