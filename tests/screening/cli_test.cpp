// `qazna screen` and `qazna bench screen` as library calls: exit codes for a screening, a bad query and a missing
// or broken lists directory, and the benchmark at its tiny size (skipped when ../shared is absent).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/app.h"
#include "bench/screening/screen_bench.h"

namespace qz::app {
namespace {

class ScreenCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("qz-screen-cli-" + std::to_string(static_cast<long long>(::testing::UnitTest::GetInstance()->random_seed())) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::FILE* file = std::fopen((dir_ / name).c_str(), "wb");
    ASSERT_NE(file, nullptr);
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }

  ScreenArgs args(const std::string& name) {
    ScreenArgs out;
    out.name = name;
    out.lists_dir = dir_.string();
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(ScreenCli, ExitCodes) {
  write("pep.csv", "uid,name,dob,country\np1,\"NARYSHKIN, Sergey Yevgenyevich\",1954-10-27,RU\n");
  EXPECT_EQ(run_screen(args("Sergei Naryshkin")), kExitOk);   // a hit
  EXPECT_EQ(run_screen(args("Aigerim Zhakupova")), kExitOk);  // no hit
  ScreenArgs json = args("Naryshkin");
  json.json = true;
  json.threshold = 0;
  EXPECT_EQ(run_screen(json), kExitOk);

  ScreenArgs bad_dob = args("Sergei Naryshkin");
  bad_dob.dob = "27.10.1954";
  EXPECT_EQ(run_screen(bad_dob), kExitUsage);
  ScreenArgs bad_country = args("Sergei Naryshkin");
  bad_country.country = "Atlantis";
  EXPECT_EQ(run_screen(bad_country), kExitUsage);

  ScreenArgs missing = args("x");
  missing.lists_dir = (dir_ / "nope").string();
  EXPECT_EQ(run_screen(missing), kExitFailure);

  write("broken.csv", "uid,name\np1,A\np1,B\n");
  EXPECT_EQ(run_screen(args("x")), kExitFailure);
}

TEST_F(ScreenCli, ArgumentsThroughTheCommandLine) {
  write("pep.csv", "uid,name\np1,Ivan Petrov\n");
  const std::string lists = dir_.string();
  const char* ok[] = {"qazna", "screen", "Ivan Petrov", "--lists", lists.c_str(), "--threshold", "50", "--json"};
  EXPECT_EQ(run_cli(8, const_cast<char**>(ok)), kExitOk);
  const char* bad[] = {"qazna", "screen", "Ivan Petrov", "--lists", lists.c_str(), "--threshold", "101"};
  EXPECT_EQ(run_cli(7, const_cast<char**>(bad)), kExitUsage);
  const char* no_name[] = {"qazna", "screen"};
  EXPECT_EQ(run_cli(2, const_cast<char**>(no_name)), kExitUsage);
}

TEST(ScreenBench, TinyRunOnTheRealLists) {
  const char* env = std::getenv("QZ_SHARED");
  const std::string lists = std::string(env != nullptr ? env : "../shared") + "/data/sanctions";
  if (!std::filesystem::exists(lists)) GTEST_SKIP() << "no " << lists;
  bench::ScreenBenchOptions options;
  options.lists_dir = lists;
  options.screenings = 2'000;
  options.variants = 200;
  options.negatives = 100;
  EXPECT_EQ(bench::run_screen_bench(options), 0);
  options.lists_dir = lists + "/missing";
  EXPECT_EQ(bench::run_screen_bench(options), 2);
}

}  // namespace
}  // namespace qz::app
