// Helpers shared by the journal tests: a temporary data directory, a settable clock, a standard set-up of one
// asset with an issuance account and customer accounts, and direct SQLite access for corrupting journal.db.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/command.h"
#include "journal/journal.h"

namespace qz::journal_test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    const char* base = ::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/qz-journal-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    char* made = ::mkdtemp(buffer.data());
    EXPECT_NE(made, nullptr);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // The data directory used by the tests (a not-yet-existing subdirectory, so init creates it).
  std::string data() const { return path_ + "/data"; }

 private:
  std::string path_;
};

// Returns whatever it was last set to; lets tests drive block time, including backwards.
class TestClock final : public Clock {
 public:
  explicit TestClock(uint64_t start_ns) : now_ns_(start_ns) {}
  uint64_t now_ns() override { return now_ns_.load(); }
  void set(uint64_t now_ns) { now_ns_.store(now_ns); }

 private:
  std::atomic<uint64_t> now_ns_;
};

inline constexpr uint64_t kGenesisTimeNs = 1'700'000'000'000'000'000ull;
inline constexpr uint32_t kAsset = 1;          // the KZT asset created by setup_ledger
inline constexpr uint64_t kIssuance = 1;       // its issuance account
inline constexpr uint64_t kFirstCustomer = 2;  // customers are 2 .. 1 + customers

inline Status init_dir(const std::string& dir) {
  return init_data_dir(InitOptions{.data_dir = dir, .genesis_time_ns = kGenesisTimeNs});
}

// Creates the asset, the issuance account and `customers` customer accounts through the node.
inline void setup_ledger(Node* node, uint32_t customers) {
  std::vector<Command> commands;
  commands.push_back(make_create_asset("KZT", 2));
  commands.push_back(make_open_account(0, kAsset, AccountKind::issuance));
  for (uint32_t i = 0; i < customers; i++) {
    commands.push_back(make_open_account(1000 + i, kAsset, AccountKind::customer));
  }
  SubmitResult result;
  for (size_t at = 0; at < commands.size(); at += 1024) {
    const size_t count = std::min<size_t>(1024, commands.size() - at);
    const Status status = node->submit(std::span<const Command>(commands.data() + at, count), &result);
    ASSERT_TRUE(status.is_ok()) << status.message();
    for (const Event& event : result.events) ASSERT_EQ(event.result, 0u) << "set-up command rejected";
  }
}

// Issuance -> customer transfer carrying an idempotency key (actor is the operator, id 0).
inline Command issue(uint64_t customer, int64_t amount_minor, uint64_t request_id) {
  Command command = make_transfer(kIssuance, customer, amount_minor);
  command.request_id = request_id;
  return command;
}

// Direct access to DIR/journal.db, for tests that corrupt it on purpose (the node must be stopped).
class Db {
 public:
  explicit Db(const std::string& data_dir) {
    EXPECT_EQ(sqlite3_open((data_dir + "/journal.db").c_str(), &db_), SQLITE_OK);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (message ? message : "");
    sqlite3_free(message);
  }
  int64_t integer(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
    int64_t value = -1;
    if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
  }
  std::vector<uint8_t> body(uint64_t height) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, "SELECT body FROM blocks WHERE height = ?1", -1, &statement, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(statement, 1, static_cast<int64_t>(height));
    std::vector<uint8_t> bytes;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(statement, 0));
      bytes.assign(data, data + sqlite3_column_bytes(statement, 0));
    }
    sqlite3_finalize(statement);
    return bytes;
  }
  void set_body(uint64_t height, const std::vector<uint8_t>& bytes) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, "UPDATE blocks SET body = ?1 WHERE height = ?2", -1, &statement, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(statement, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 2, static_cast<int64_t>(height));
    EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db_), 1);
    sqlite3_finalize(statement);
  }
  void set_hash(uint64_t height, const Hash256& hash) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, "UPDATE blocks SET hash = ?1 WHERE height = ?2", -1, &statement, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(statement, 1, hash.bytes.data(), 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 2, static_cast<int64_t>(height));
    EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE);
    sqlite3_finalize(statement);
  }
  void flip_byte(uint64_t height, size_t offset) {
    std::vector<uint8_t> bytes = body(height);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] ^= 0x01;
    set_body(height, bytes);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace qz::journal_test
