// `qazna history rebuild|check` end to end on a directory a real `qazna demo` traded in: the rebuild gives the
// history the server wrote, recreates a deleted one, check tells equal from different without touching the live
// file, a running server makes both refuse, and a bad journal leaves history.db as it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_util.h"
#include "history/history.h"

namespace qz::app::testing {
namespace {

struct HistoryFacts {
  std::string hash;  // hex; "" when unreadable
  uint64_t trades = 0;
  std::optional<uint64_t> height;
};

HistoryFacts read_history(const std::string& path) {
  HistoryFacts facts;
  std::unique_ptr<history::HistoryReader> reader;
  const Status opened = history::HistoryReader::open(path, &reader);
  EXPECT_TRUE(opened.is_ok()) << opened.message();
  if (!opened.is_ok()) return facts;
  Hash256 hash;
  EXPECT_TRUE(reader->content_hash(&hash).is_ok());
  EXPECT_TRUE(reader->last_height(&facts.height).is_ok());
  facts.hash = hash.hex();
  std::vector<history::MarketRow> markets;
  EXPECT_TRUE(reader->markets(&markets).is_ok());
  for (const history::MarketRow& market : markets) {
    std::vector<history::TradeRow> trades;
    EXPECT_TRUE(reader->trades(market.id, history::Page{.limit = history::kMaxLimit}, &trades).is_ok());
    facts.trades += trades.size();
  }
  return facts;
}

// The value after "label:" on its line of `text`, up to the line's end or the first space after it.
std::string value_after(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return "";
  size_t start = at + label.size();
  while (start < text.size() && text[start] == ' ') start++;
  const size_t end = text.find_first_of(" \n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "") << " in " << sql;
  sqlite3_free(error);
  ASSERT_EQ(sqlite3_changes(db), 1) << sql;
  sqlite3_close(db);
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"-wal", "-shm", ""}) std::filesystem::remove(path + suffix);
}

class HistoryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(qazna_binary().empty()) << "QZ_BIN must name the qazna binary";
    ASSERT_FALSE(temp_.path().empty());
    data_ = temp_ / "venue";
    history_ = data_ + "/history.db";
  }
  RunResult qazna(const std::vector<std::string>& args) { return run_qazna(temp_.path(), args); }

  TempDir temp_;
  std::string data_;
  std::string history_;
};

TEST_F(HistoryCli, RebuildAndCheckAgreeWithTheHistoryTheServerWrote) {
  const RunResult demo = qazna({"demo", "--data", data_, "--port", "0", "--seconds", "2"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  const HistoryFacts served = read_history(history_);
  ASSERT_FALSE(served.hash.empty());
  ASSERT_GT(served.trades, 0u) << "the demo's market maker prints trades";
  ASSERT_TRUE(served.height.has_value());

  // check: equal, and the live file is only read.
  const RunResult check = qazna({"history", "check", "--data", data_});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("history check: equal"), std::string::npos) << check.out;
  EXPECT_EQ(value_after(check.out, "rebuilt hash:"), served.hash) << check.out;
  EXPECT_EQ(value_after(check.out, "live hash:"), served.hash) << check.out;
  EXPECT_FALSE(std::filesystem::exists(data_ + "/history-check.db"));

  // rebuild: the same rows as the server's, block for block.
  const RunResult rebuild = qazna({"history", "rebuild", "--data", data_});
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_NE(rebuild.out.find("history rebuild: ok"), std::string::npos) << rebuild.out;
  EXPECT_EQ(value_after(rebuild.out, "content hash:"), served.hash) << rebuild.out;
  EXPECT_EQ(value_after(rebuild.out, "blocks:"), std::to_string(*served.height + 1)) << rebuild.out;
  EXPECT_NE(rebuild.out.find("(heights 0 to " + std::to_string(*served.height) + ")"), std::string::npos);
  EXPECT_NE(value_after(rebuild.out, "events:"), "0");
  EXPECT_NE(value_after(rebuild.out, "rows:"), "0");
  EXPECT_EQ(read_history(history_).hash, served.hash);
  EXPECT_FALSE(std::filesystem::exists(history_ + ".rebuild"));

  // A deleted history: check says so (exit 1), rebuild recreates it whole.
  remove_database(history_);
  const RunResult missing = qazna({"history", "check", "--data", data_});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("history.db is missing"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(history_));
  const RunResult recreate = qazna({"history", "rebuild", "--data", data_});
  EXPECT_EQ(recreate.exit_code, 0) << recreate.err;
  const HistoryFacts recreated = read_history(history_);
  EXPECT_EQ(recreated.hash, served.hash);
  EXPECT_EQ(recreated.trades, served.trades);

  // A changed row: check reports the difference (exit 1) and leaves the file as it is; rebuild repairs it.
  run_sql(history_, "UPDATE trades SET qty = qty + 1 WHERE id = (SELECT MIN(id) FROM trades)");
  const std::string tampered = read_history(history_).hash;
  ASSERT_NE(tampered, served.hash);
  const RunResult differs = qazna({"history", "check", "--data", data_});
  EXPECT_EQ(differs.exit_code, 1) << differs.err;
  EXPECT_NE(differs.out.find("history check: DIFFERENT"), std::string::npos) << differs.out;
  EXPECT_EQ(value_after(differs.out, "rebuilt hash:"), served.hash) << differs.out;
  EXPECT_EQ(value_after(differs.out, "live hash:"), tampered) << differs.out;
  EXPECT_NE(differs.err.find("differs from a rebuild from the journal"), std::string::npos) << differs.err;
  EXPECT_EQ(read_history(history_).hash, tampered);
  EXPECT_FALSE(std::filesystem::exists(data_ + "/history-check.db"));
  EXPECT_EQ(qazna({"history", "rebuild", "--data", data_}).exit_code, 0);
  EXPECT_EQ(read_history(history_).hash, served.hash);
  EXPECT_EQ(qazna({"history", "check", "--data", data_}).exit_code, 0);

  // The server reopens the rebuilt history as its own: nothing to catch up, and the journal still verifies.
  const RunResult serve = qazna({"serve", "--data", data_, "--port", "0", "--seconds", "1"});
  EXPECT_EQ(serve.exit_code, 0) << serve.err;
  EXPECT_EQ(read_history(history_).hash, served.hash);
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);

  // A journal with a block missing in the middle: both fail (exit 3) naming the block; history.db is untouched.
  run_sql(data_ + "/journal.db", "DELETE FROM blocks WHERE height = 5");
  const RunResult broken = qazna({"history", "rebuild", "--data", data_});
  EXPECT_EQ(broken.exit_code, 3);
  EXPECT_NE(broken.err.find("block 5"), std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find("is unchanged"), std::string::npos) << broken.err;
  EXPECT_EQ(read_history(history_).hash, served.hash);
  EXPECT_FALSE(std::filesystem::exists(history_ + ".rebuild"));
  const RunResult broken_check = qazna({"history", "check", "--data", data_});
  EXPECT_EQ(broken_check.exit_code, 3);
  EXPECT_NE(broken_check.err.find("block 5"), std::string::npos) << broken_check.err;
  EXPECT_FALSE(std::filesystem::exists(data_ + "/history-check.db.rebuild"));
}

TEST_F(HistoryCli, RefusesWhileAServerHoldsTheDirectory) {
  ASSERT_EQ(qazna({"demo", "--data", data_, "--port", "0", "--seconds", "1"}).exit_code, 0);
  const std::string before = read_history(history_).hash;
  ASSERT_FALSE(before.empty());

  // `qazna serve` in the background; it holds DIR/LOCK once it prints that it listens.
  const std::string out_path = temp_ / "serve.out";
  const std::string bin = qazna_binary();
  std::vector<std::string> args = {bin, "serve", "--data", data_, "--port", "0"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t server = 0;
  ASSERT_EQ(posix_spawn(&server, bin.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (read_file(out_path).find("listening on") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool listening = read_file(out_path).find("listening on") != std::string::npos;

  const RunResult rebuild = qazna({"history", "rebuild", "--data", data_});
  const RunResult check = qazna({"history", "check", "--data", data_});
  ::kill(server, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(server, &status, 0), server);
  ASSERT_TRUE(listening) << read_file(out_path);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  EXPECT_EQ(rebuild.exit_code, 3) << rebuild.out;
  EXPECT_NE(rebuild.err.find("is in use by a running server"), std::string::npos) << rebuild.err;
  EXPECT_NE(rebuild.err.find("LOCK is locked"), std::string::npos) << rebuild.err;
  EXPECT_EQ(rebuild.out, "");
  EXPECT_EQ(check.exit_code, 3) << check.out;
  EXPECT_NE(check.err.find("is in use by a running server"), std::string::npos) << check.err;
  EXPECT_FALSE(std::filesystem::exists(history_ + ".rebuild"));
  EXPECT_FALSE(std::filesystem::exists(data_ + "/history-check.db"));
  EXPECT_EQ(read_history(history_).hash, before);
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);

  // Once the server has stopped, both run.
  EXPECT_EQ(qazna({"history", "check", "--data", data_}).exit_code, 0);
  EXPECT_EQ(qazna({"history", "rebuild", "--data", data_}).exit_code, 0);
  EXPECT_EQ(read_history(history_).hash, before);
}

TEST_F(HistoryCli, ArgumentsAndMissingJournal) {
  EXPECT_EQ(qazna({"history"}).exit_code, 2);
  EXPECT_EQ(qazna({"history", "rebuild"}).exit_code, 2);
  EXPECT_EQ(qazna({"history", "compact", "--data", data_}).exit_code, 2);
  const RunResult none = qazna({"history", "rebuild", "--data", temp_ / "nothing-here"});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_NE(none.err.find("holds no journal"), std::string::npos) << none.err;
  EXPECT_FALSE(std::filesystem::exists(temp_ / "nothing-here"));
  EXPECT_EQ(qazna({"history", "check", "--help"}).exit_code, 0);
}

}  // namespace
}  // namespace qz::app::testing
