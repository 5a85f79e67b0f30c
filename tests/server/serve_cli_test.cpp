// `qazna demo` and `qazna serve` as processes: they start, serve, stop on time or on SIGTERM with the journal
// flushed, and the directory they leave verifies.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <string>

namespace {

struct Ran {
  int exit_code = -1;
  std::string out;
};

Ran run(const std::string& arguments) {
  const char* binary = std::getenv("QZ_BIN");
  EXPECT_NE(binary, nullptr) << "QZ_BIN must name the qazna binary";
  Ran result;
  FILE* pipe = ::popen((std::string(binary) + " " + arguments + " 2>&1").c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) result.out += buffer.data();
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class ServeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/qz-serve-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    temp_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(temp_, ignored);
  }
  std::string temp_;
};

TEST_F(ServeCli, DemoServesThenStopsAndItsJournalVerifies) {
  const std::string data = temp_ + "/demo";
  const Ran demo = run("demo --data " + data + " --port 0 --seconds 2");
  EXPECT_EQ(demo.exit_code, 0) << demo.out;
  EXPECT_NE(demo.out.find("Qazna demo venue: http://127.0.0.1:"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("markets: BTCKZT ETHKZT USDTKZT BTCUSDT ETHUSDT"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("apiKey "), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("demo: stopped after"), std::string::npos) << demo.out;
  const Ran verify = run("verify --data " + data);
  EXPECT_EQ(verify.exit_code, 0) << verify.out;

  // A second demo wipes its own directory; a directory it did not make is refused.
  EXPECT_EQ(run("demo --data " + data + " --port 0 --seconds 1").exit_code, 0);
  std::filesystem::create_directories(temp_ + "/other");
  std::FILE* file = std::fopen((temp_ + "/other/precious").c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fclose(file);
  const Ran refused = run("demo --data " + temp_ + "/other --port 0 --seconds 1");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_TRUE(std::filesystem::exists(temp_ + "/other/precious"));

  // serve reopens the demo's directory where it left off.
  const Ran serve = run("serve --data " + data + " --port 0 --seconds 1");
  EXPECT_EQ(serve.exit_code, 0) << serve.out;
  EXPECT_NE(serve.out.find("listening on http://127.0.0.1:"), std::string::npos) << serve.out;
  EXPECT_NE(serve.out.find("stopped; the journal is flushed"), std::string::npos) << serve.out;
  // The structured log: one JSON object per line, for the events of a start and a stop.
  for (const char* event : {"listening", "stopping", "stopped"}) {
    const size_t at = serve.out.find(std::string("\"event\":\"") + event + "\"");
    ASSERT_NE(at, std::string::npos) << event << "\n" << serve.out;
    const size_t begin = serve.out.rfind('\n', at) + 1;
    const std::string line = serve.out.substr(begin, serve.out.find('\n', at) - begin);
    EXPECT_TRUE(line.starts_with("{\"ts\":") && line.ends_with("}")) << line;
    EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos) << line;
  }
  EXPECT_NE(serve.out.find("\"event\":\"stopping\",\"reason\":\"time\""), std::string::npos) << serve.out;
  // The release build runs on jemalloc (CMake option QZ_JEMALLOC); the startup line says which malloc it has.
#ifdef QZ_JEMALLOC_LINKED
  EXPECT_NE(serve.out.find("\"allocator\":\"jemalloc "), std::string::npos) << serve.out;
#else
  EXPECT_NE(serve.out.find("\"allocator\":\"glibc malloc\""), std::string::npos) << serve.out;
#endif
}

TEST_F(ServeCli, ServeStopsOnSigterm) {
  const std::string data = temp_ + "/data";
  ASSERT_EQ(run("init --data " + data).exit_code, 0);
  const char* binary = std::getenv("QZ_BIN");
  ASSERT_NE(binary, nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::freopen("/dev/null", "w", stdout);
    ::execl(binary, binary, "serve", "--data", data.c_str(), "--port", "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::usleep(500'000);
  ::kill(child, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(run("verify --data " + data).exit_code, 0);
  // The port option refuses a busy or impossible address.
  const Ran bad = run("serve --data " + data + " --address 256.1.1.1 --port 0 --seconds 1");
  EXPECT_EQ(bad.exit_code, 3) << bad.out;
  // Sanctions lists that cannot be loaded stop the start with a message naming them.
  const Ran no_lists = run("serve --data " + data + " --port 0 --seconds 1 --sanctions " + temp_ + "/no-lists");
  EXPECT_EQ(no_lists.exit_code, 3) << no_lists.out;
  EXPECT_NE(no_lists.out.find("\"event\":\"open_failed\""), std::string::npos) << no_lists.out;
  EXPECT_NE(no_lists.out.find("sanctions lists " + temp_ + "/no-lists"), std::string::npos) << no_lists.out;
}

TEST_F(ServeCli, ApiSendsSignedRequestsWithTheOperatorsKey) {
  const std::string data = temp_ + "/demo";
  const std::string out = temp_ + "/demo.out";
  const char* binary = std::getenv("QZ_BIN");
  ASSERT_NE(binary, nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::freopen(out.c_str(), "w", stdout);
    ::execl(binary, binary, "demo", "--data", data.c_str(), "--port", "0", "--seconds", "20",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string url;
  for (int waited = 0; waited < 200 && url.empty(); waited++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    const std::string banner = text.str();
    const size_t at = banner.find("Qazna demo venue: ");
    if (at != std::string::npos && banner.find("Ctrl-C") != std::string::npos) {
      url = banner.substr(at + 18, banner.find(' ', at + 18) - at - 18);
    }
  }
  ASSERT_FALSE(url.empty()) << "the demo did not start";
  const Ran users = run("api --url " + url + " --data " + data + " GET /v1/users");
  EXPECT_EQ(users.exit_code, 0) << users.out;
  EXPECT_NE(users.out.find("\"name\":\"operator\""), std::string::npos) << users.out;
  const Ran created = run("api --url " + url + " --data " + data + " POST /v1/users name=Erlan role=customer");
  EXPECT_EQ(created.exit_code, 0) << created.out;
  const Ran refused = run("api --url " + url + " --data " + data + " POST /v1/users name=Erlan role=king");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("\"code\":1001"), std::string::npos) << refused.out;
  const Ran keyless = run("api --url " + url + " --data " + temp_ + "/nowhere GET /v1/me");
  EXPECT_EQ(keyless.exit_code, 2) << keyless.out;
  ::kill(child, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
