// A home whose store an older build made (format 2: tests/data/store_v2) works with this build:
// the first command, even one that only reads, upgrades it; everything stays readable.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cli_home.hpp"

namespace {

class CliUpgrade : public osier::testing::CliHome {
 protected:
  void use_v2_store() {
    const std::string store = home_ + "/store";
    std::filesystem::remove_all(store);
    std::filesystem::copy(OSIER_TEST_DATA_DIR "/store_v2", store,
                          std::filesystem::copy_options::recursive);
  }
};

TEST_F(CliUpgrade, AReadingCommandUpgradesAVersionTwoStore) {
  use_v2_store();
  const auto list = osier({"ns", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  // The fixture's two namespaces, unaliased in this home.
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 3) << list.out;  // with fam
  const auto check = osier({"store", "check", "--deep"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("2 namespaces"), std::string::npos) << check.out;
}

TEST_F(CliUpgrade, AReadOnlyHomeOfAnOlderFormatSaysWhatToDo) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes read-only directories";
  use_v2_store();
  std::filesystem::permissions(home_ + "/store", std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::remove);
  const auto list = osier({"ns", "list"});
  std::filesystem::permissions(home_ + "/store", std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  EXPECT_EQ(list.exit_code, 1);
  EXPECT_NE(list.err.find("upgrade"), std::string::npos) << list.err;
}

}  // namespace
