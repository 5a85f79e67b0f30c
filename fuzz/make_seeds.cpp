// Writes the seed corpora of the fuzz targets: fuzz_make_seeds OUT_DIR creates OUT_DIR/<target>/<seed> files.
//
// Seeds are generated with the project's own encoders rather than committed as binaries, so they follow the
// formats when a version changes. Each corpus holds valid inputs of every shape plus a few near misses.
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "engine/command.h"
#include "engine/engine.h"
#include "history/internal/entry_chunks.h"
#include "journal/block.h"
#include "monitor/config.h"

namespace {

bool make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  std::fprintf(stderr, "fuzz_make_seeds: cannot create %s: %s\n", path.c_str(), std::strerror(errno));
  return false;
}

bool write_file(const std::string& path, const void* data, size_t size) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::fprintf(stderr, "fuzz_make_seeds: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  const bool ok = std::fwrite(data, 1, size, file) == size;
  return std::fclose(file) == 0 && ok;
}

class SeedDir {
 public:
  explicit SeedDir(std::string path) : path_(std::move(path)), ok_(make_dir(path_)) {}
  void add(const void* data, size_t size) {
    if (ok_) ok_ = write_file(path_ + "/seed-" + std::to_string(count_++), data, size);
  }
  void add(const std::vector<uint8_t>& bytes) { add(bytes.data(), bytes.size()); }
  bool ok() const { return ok_; }

 private:
  std::string path_;
  bool ok_;
  int count_ = 0;
};

// A BTC/KZT market (assets 2 and 1, fee accounts 3 and 4) and one command of every market and order kind
// (every order type among the place_orders), in the order a venue would send them.
std::vector<qz::Command> market_commands() {
  std::vector<qz::Command> commands = {
      qz::make_create_market(2, 1, 100'00, 1'000'000, 1'000'000, 100'00000000),
      qz::make_set_market_rules(1, 1'000, 1'000'00, 10, 20, 4, 3),
      qz::make_set_market_status(1, 1, 45'000'000'00),
      qz::make_set_fee_tier(1, 1, 2, 1'000'000'00, 8, 16),
  };
  const auto place = [](qz::OrderSideCode side, qz::OrderType type, qz::OrderTif tif, int64_t price, int64_t qty) {
    qz::Command command = qz::make_place_order(42, 1, side, type, tif, price, qty);
    command.request_id = 1;
    return command;
  };
  using qz::OrderSideCode;
  using qz::OrderTif;
  using qz::OrderType;
  commands.push_back(place(OrderSideCode::buy, OrderType::limit, OrderTif::gtc, 45'000'000'00, 4'000'000));
  qz::Command iceberg = place(OrderSideCode::sell, OrderType::limit, OrderTif::gtc, 45'100'000'00, 10'000'000);
  iceberg.place_order.aux = 2'000'000;
  iceberg.place_order.self_trade_prevention = 2;
  commands.push_back(iceberg);
  qz::Command gtd = place(OrderSideCode::buy, OrderType::limit, OrderTif::gtd, 44'000'000'00, 1'000'000);
  gtd.place_order.aux = 1'700'000'100'000'000'000;
  commands.push_back(gtd);
  commands.push_back(place(OrderSideCode::sell, OrderType::limit_maker, OrderTif::none, 46'000'000'00, 1'000'000));
  commands.push_back(place(OrderSideCode::buy, OrderType::market, OrderTif::none, 0, 2'000'000));
  commands.push_back(place(OrderSideCode::buy, OrderType::market_by_quote, OrderTif::none, 0, 500'000'00));
  qz::Command stop = place(OrderSideCode::sell, OrderType::stop_loss_limit, OrderTif::ioc, 43'000'000'00, 1'000'000);
  stop.place_order.stop_price_minor = 43'500'000'00;
  commands.push_back(stop);
  qz::Command take = place(OrderSideCode::buy, OrderType::take_profit_limit, OrderTif::fok, 44'000'000'00, 1'000'000);
  take.place_order.stop_price_minor = 44'500'000'00;
  commands.push_back(take);
  commands.push_back(qz::make_cancel_order(42, 1, 1));
  commands.push_back(qz::make_cancel_order(42, 1, 0, 1));
  commands.push_back(qz::make_amend_order(42, 1, 2, 5'000'000));
  commands.push_back(qz::make_cancel_all(42, 1));
  return commands;
}

std::vector<qz::Command> sample_commands() {
  std::vector<qz::Command> commands = {
      qz::make_create_asset("KZT", 2),
      qz::make_create_asset("BTC", 8),
      qz::make_open_account(0, 1, qz::AccountKind::issuance),
      qz::make_open_account(42, 1, qz::AccountKind::customer),
      qz::make_transfer(1, 2, 1'000'00),
      qz::make_hold(2, 1, 250'00, 5'000'000'000),
      qz::make_post_hold(1, 0, 100'00),
      qz::make_void_hold(1),
  };
  qz::Command by_customer = qz::make_transfer(2, 1, 5'00);
  by_customer.role = static_cast<uint8_t>(qz::Role::customer);
  by_customer.actor = 42;
  by_customer.request_id = 7;
  commands.push_back(by_customer);
  qz::Command linked = qz::make_transfer(1, 2, 1);
  linked.flags = qz::kFlagLinked;
  commands.push_back(linked);
  for (const qz::Command& command : market_commands()) commands.push_back(command);
  return commands;
}

void add_decimal_seeds(SeedDir* dir) {
  const std::array<uint8_t, 5> scales = {0, 2, 8, 18, 19};
  const std::array<std::string_view, 16> texts = {"0",
                                                  "12",
                                                  "12.5",
                                                  "0.00012345",
                                                  "1.2300",
                                                  "9223372036854775807",
                                                  "92233720368.54775807",
                                                  "00012",
                                                  "1e5",
                                                  "-1",
                                                  "+1",
                                                  "",
                                                  ".",
                                                  "1.",
                                                  ".5",
                                                  "1..2"};
  for (uint8_t scale : scales) {
    for (std::string_view text : texts) {
      std::string input(1, static_cast<char>(scale));
      input += text;
      dir->add(input.data(), input.size());
    }
  }
}

void add_command_seeds(SeedDir* dir, const std::vector<qz::Command>& commands) {
  for (const qz::Command& command : commands) {
    uint8_t bytes[qz::kCommandSize];
    qz::encode_command(command, bytes);
    dir->add(bytes, sizeof bytes);
  }
  qz::Command unknown = qz::make_transfer(1, 2, 3);
  unknown.kind = 99;
  uint8_t bytes[qz::kCommandSize];
  qz::encode_command(unknown, bytes);
  dir->add(bytes, sizeof bytes);
}

// fuzz_order_decoder's inputs: a byte choosing the kind (its index among the eight market and order kinds)
// followed by the record from offset 2.
void add_order_seeds(SeedDir* dir) {
  constexpr std::array<qz::CommandKind, 8> kKinds = {
      qz::CommandKind::create_market, qz::CommandKind::set_market_rules, qz::CommandKind::set_market_status,
      qz::CommandKind::set_fee_tier,  qz::CommandKind::place_order,      qz::CommandKind::cancel_order,
      qz::CommandKind::amend_order,   qz::CommandKind::cancel_all};
  std::vector<qz::Command> commands = market_commands();
  qz::Command bad_side = commands[4];  // the first place_order
  bad_side.place_order.side = 3;
  commands.push_back(bad_side);
  qz::Command linked_cancel = qz::make_cancel_order(42, 1, 7);
  linked_cancel.flags = qz::kFlagLinked;
  commands.push_back(linked_cancel);
  for (const qz::Command& command : commands) {
    uint8_t bytes[qz::kCommandSize];
    qz::encode_command(command, bytes);
    uint8_t input[qz::kCommandSize - 1];
    for (size_t i = 0; i < kKinds.size(); i++) {
      if (kKinds[i] == command.command_kind()) input[0] = static_cast<uint8_t>(i);
    }
    std::memcpy(input + 1, bytes + 2, qz::kCommandSize - 2);
    dir->add(input, sizeof input);
  }
}

void add_block_seeds(SeedDir* dir, const std::vector<qz::Command>& commands) {
  std::vector<uint8_t> bytes;
  qz::Block genesis;
  qz::encode_block(genesis, &bytes);
  dir->add(bytes);

  qz::Block block;
  block.header.height = 1;
  block.header.time_ns = 1'700'000'000'000'000'000;
  block.header.prev_hash = qz::block_hash(genesis.header);
  block.header.event_count = static_cast<uint32_t>(commands.size());
  block.header.flags = qz::kBlockFlagStateHash;
  block.header.state_hash = qz::sha256(std::string_view("state"));
  block.commands = commands;
  block.header.command_count = static_cast<uint32_t>(commands.size());
  block.signature.fill(0x5A);
  qz::encode_block(block, &bytes);
  dir->add(bytes);

  block.commands.resize(1);
  block.header.command_count = 1;
  block.header.flags = 0;
  block.header.state_hash = qz::Hash256{};
  qz::encode_block(block, &bytes);
  dir->add(bytes);
}

// An engine stream: 65-byte units of a control byte (bit 0 closes the block; bits 1-7 advance the next block's
// time in seconds) and a command record.
class Stream {
 public:
  void add(const qz::Command& command, bool close_block = false, uint8_t seconds = 0) {
    bytes_.push_back(static_cast<uint8_t>((seconds << 1) | (close_block ? 1 : 0)));
    uint8_t record[qz::kCommandSize];
    qz::encode_command(command, record);
    bytes_.insert(bytes_.end(), record, record + sizeof record);
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

qz::Command as_customer(qz::Command command, uint64_t user, uint64_t request_id) {
  command.role = static_cast<uint8_t>(qz::Role::customer);
  command.actor = user;
  command.request_id = request_id;
  return command;
}

// KZT, an issuance account (1) and two customers (2 owned by user 42, 3 by user 43), funded.
void add_venue(Stream* stream) {
  stream->add(qz::make_create_asset("KZT", 2));
  stream->add(qz::make_open_account(0, 1, qz::AccountKind::issuance));
  stream->add(qz::make_open_account(42, 1, qz::AccountKind::customer));
  stream->add(qz::make_open_account(43, 1, qz::AccountKind::customer));
  stream->add(qz::make_transfer(1, 2, 1'000'00), true, 1);
}

// A BTC/KZT market between two funded customers (42 buys, 43 sells): accounts 1-2 issuance KZT and BTC, 3-4
// fee income KZT and BTC, 5-6 user 42 (KZT, BTC), 7-8 user 43 (KZT, BTC).
void add_market_venue(Stream* stream) {
  stream->add(qz::make_create_asset("KZT", 2));
  stream->add(qz::make_create_asset("BTC", 8));
  stream->add(qz::make_open_account(0, 1, qz::AccountKind::issuance));
  stream->add(qz::make_open_account(0, 2, qz::AccountKind::issuance));
  stream->add(qz::make_open_account(0, 1, qz::AccountKind::fee_income));
  stream->add(qz::make_open_account(0, 2, qz::AccountKind::fee_income));
  for (uint64_t user : {42u, 43u}) {
    stream->add(qz::make_open_account(user, 1, qz::AccountKind::customer));
    stream->add(qz::make_open_account(user, 2, qz::AccountKind::customer));
  }
  stream->add(qz::make_transfer(1, 5, 10'000'000'00));
  stream->add(qz::make_transfer(2, 8, 1'00000000));
  stream->add(qz::make_create_market(2, 1, 100'00, 1'000'000, 1'000'000, 100'00000000));
  stream->add(qz::make_set_market_rules(1, 1'000, 1'000'00, 10, 20, 4, 3));
  stream->add(qz::make_set_market_status(1, 1, 45'000'000'00), true, 1);
}

qz::Command as_role(qz::Command command, uint64_t user, qz::Role role) {
  command.role = static_cast<uint8_t>(role);
  command.actor = user;
  return command;
}

// The digital tenge: DKZT, the central bank's (user 100, wallet 1) and a bank's (user 200, wallet 2) wallets,
// user 42's wallet (3), a grocer (4); a program for groceries that expires after 3 seconds of block time, and a
// milestone program attested by user 300; issuance, distribution, grants, payments, a release.
void add_money_venue(Stream* stream) {
  const auto wallet = [](uint64_t owner, qz::WalletKind kind, uint16_t mcc) {
    return qz::make_open_wallet(qz::OpenWalletPayload{.owner = owner, .account = 0, .linked_account = 0,
                                                      .wallet_class = 0, .kind = static_cast<uint8_t>(kind),
                                                      .flags = 0, .mcc = mcc, .region = static_cast<uint16_t>(mcc == 0 ? 0 : 1),
                                                      .zero = {}});
  };
  stream->add(qz::make_create_asset("DKZT", 2), true, 1);
  stream->add(as_role(wallet(100, qz::WalletKind::central_bank, 0), 100, qz::Role::central_bank));
  stream->add(as_role(wallet(200, qz::WalletKind::bank, 0), 100, qz::Role::central_bank));
  stream->add(as_role(wallet(42, qz::WalletKind::individual, 0), 200, qz::Role::bank));
  stream->add(wallet(7, qz::WalletKind::merchant, 5411), true, 1);
  qz::Command terms = qz::make_grant(0, 0, 0);
  terms.grant = {};
  terms.kind = static_cast<uint16_t>(qz::CommandKind::program_terms);
  terms.flags = qz::kFlagLinked;
  terms.program_terms.expires_at_ns = 1'000 + 3 * 1'000'000'000ull;
  terms.program_terms.expiry_action = 1;
  terms.program_terms.release_rule = 1;
  terms.program_terms.terminal_kinds = qz::ProgramSpec{}.terminal_kinds;
  qz::Command list = terms;
  list.program_list = {};
  list.kind = static_cast<uint16_t>(qz::CommandKind::program_list);
  list.program_list.list = 3;
  list.program_list.count = 1;
  list.program_list.codes[0] = 5411;
  stream->add(as_role(terms, 100, qz::Role::central_bank));
  stream->add(as_role(list, 100, qz::Role::central_bank));
  stream->add(as_role(qz::make_publish_program("FOOD", 1, 0), 100, qz::Role::central_bank));
  terms.program_terms.expires_at_ns = 0;
  terms.program_terms.release_rule = 2;
  terms.program_terms.attester = 300;
  stream->add(as_role(terms, 100, qz::Role::central_bank));
  stream->add(as_role(qz::make_publish_program("BUILD", 1, 0), 100, qz::Role::central_bank), true, 1);
  stream->add(as_role(qz::make_issue_cbdc(2, 1'000'00), 100, qz::Role::central_bank));
  stream->add(as_role(qz::make_pay(200, 2, 3, 100'00), 200, qz::Role::bank));
  stream->add(as_role(qz::make_grant(1, 3, 50'00), 100, qz::Role::central_bank));
  qz::Command tranches = terms;
  tranches.grant_tranches = {};
  tranches.kind = static_cast<uint16_t>(qz::CommandKind::grant_tranches);
  tranches.grant_tranches.count = 2;
  tranches.grant_tranches.amounts_minor[0] = 10'00;
  tranches.grant_tranches.amounts_minor[1] = 20'00;
  stream->add(as_role(tranches, 100, qz::Role::central_bank));
  stream->add(as_role(qz::make_grant(2, 3, 30'00), 100, qz::Role::central_bank), true, 1);
}

std::vector<Stream> engine_streams() {
  std::vector<Stream> streams(7);
  // Transfers and holds by a customer; a hold that times out two blocks later.
  add_venue(&streams[0]);
  streams[0].add(as_customer(qz::make_transfer(2, 3, 10'00), 42, 1));
  streams[0].add(as_customer(qz::make_hold(2, 3, 50'00, 3 * 1'000'000'000ull), 42, 2));
  streams[0].add(as_customer(qz::make_post_hold(1, 0, 20'00), 42, 3), true, 2);
  streams[0].add(as_customer(qz::make_hold(2, 0, 5'00, 0), 42, 4));
  streams[0].add(as_customer(qz::make_void_hold(2), 42, 5), true, 5);
  streams[0].add(as_customer(qz::make_transfer(3, 2, 1'00), 43, 1), true);
  // Retries: the same request id again (a duplicate) and reused for another command.
  add_venue(&streams[1]);
  streams[1].add(as_customer(qz::make_transfer(2, 3, 1'00), 42, 9), true);
  streams[1].add(as_customer(qz::make_transfer(2, 3, 1'00), 42, 9));
  streams[1].add(as_customer(qz::make_transfer(2, 3, 2'00), 42, 9), true);
  // A linked group that applies, one that fails, and a block that ends inside a group.
  add_venue(&streams[2]);
  qz::Command first = qz::make_transfer(2, 3, 1'00);
  first.flags = qz::kFlagLinked;
  streams[2].add(first);
  streams[2].add(qz::make_transfer(3, 2, 50), true);
  streams[2].add(first);
  streams[2].add(qz::make_transfer(3, 2, 1'000'000'00), true);
  streams[2].add(first, true);
  // Rejections: unknown accounts, a non-owner debit, a bad asset code.
  add_venue(&streams[3]);
  streams[3].add(qz::make_transfer(2, 99, 1));
  streams[3].add(as_customer(qz::make_transfer(3, 2, 1), 42, 0));
  streams[3].add(qz::make_create_asset("kzt", 2), true);
  // Orders: a resting sell, a crossing buy, an amend, a market buy, a cancel by client id, a GTD order and a
  // cancel_all. Block times stay within the first minute and the GTD expiry far away: fuzz_engine accepts only
  // hold expiries among block-start events so far.
  add_market_venue(&streams[4]);
  qz::Command sell = qz::make_place_order(43, 1, qz::OrderSideCode::sell, qz::OrderType::limit, qz::OrderTif::gtc,
                                          45'000'000'00, 10'000'000);
  sell.request_id = 1;
  streams[4].add(sell);
  streams[4].add(as_customer(qz::make_place_order(42, 1, qz::OrderSideCode::buy, qz::OrderType::limit,
                                                  qz::OrderTif::ioc, 45'000'000'00, 4'000'000),
                             42, 1));
  streams[4].add(as_customer(qz::make_amend_order(43, 1, 1, 8'000'000), 43, 2), true, 1);
  streams[4].add(as_customer(
      qz::make_place_order(42, 1, qz::OrderSideCode::buy, qz::OrderType::market, qz::OrderTif::none, 0, 1'000'000), 42,
      2));
  streams[4].add(as_customer(qz::make_cancel_order(43, 1, 0, 1), 43, 3));
  qz::Command gtd = qz::make_place_order(42, 1, qz::OrderSideCode::buy, qz::OrderType::limit, qz::OrderTif::gtd,
                                         44'000'000'00, 1'000'000);
  gtd.place_order.aux = 1'700'000'000'000'000'000;
  streams[4].add(as_customer(gtd, 42, 3), true, 1);
  streams[4].add(as_customer(qz::make_cancel_all(42, 1), 42, 4), true);
  // Clients: a resting order, then its owner registered, approved and frozen (the order is cancelled), a
  // refused debit, the policy.
  add_market_venue(&streams[5]);
  streams[5].add(sell, true);
  streams[5].add(qz::make_register_client(43, 1, 2, "KZ", "KZ", true));
  streams[5].add(qz::make_set_client_status(43, 2, 2));
  streams[5].add(qz::make_set_client_status(43, 3, 3), true);
  streams[5].add(as_customer(qz::make_cancel_all(43, 1), 43, 5));
  streams[5].add(qz::make_set_client_policy(true), true);
  // The digital tenge: a payment that spends the lot first, a release, a refused payment, then the expiry.
  add_money_venue(&streams[6]);
  streams[6].add(qz::make_pay(42, 3, 4, 70'00));
  streams[6].add(as_role(qz::make_release_command(qz::CommandKind::attest_release, 1), 300, qz::Role::bank));
  streams[6].add(qz::make_pay(42, 3, 4, 1'000'00), true, 5);
  streams[6].add(qz::make_pay(42, 3, 4, 1'00), true);
  return streams;
}

void add_engine_seeds(SeedDir* dir, const std::vector<Stream>& streams) {
  for (const Stream& stream : streams) dir->add(stream.bytes());
}

// Snapshots of the states the streams reach, without their trailing digest (the harness appends it).
void add_snapshot_seeds(SeedDir* dir, const std::vector<Stream>& streams) {
  std::vector<uint8_t> snapshot;
  qz::Engine empty;
  std::vector<qz::Event> events;
  empty.apply(qz::BlockInput{.height = 0, .time_ns = 1'000, .commands = {}}, &events);
  empty.write_snapshot(&snapshot);
  dir->add(snapshot.data(), snapshot.size() - 32);

  for (const Stream& stream : streams) {
    qz::Engine engine;
    engine.apply(qz::BlockInput{.height = 0, .time_ns = 1'000, .commands = {}}, &events);
    std::vector<qz::Command> commands;
    const std::vector<uint8_t>& bytes = stream.bytes();
    for (size_t at = 0; at + 65 <= bytes.size(); at += 65) {
      qz::Command command;
      std::memcpy(&command, &bytes[at + 1], qz::kCommandSize);
      commands.push_back(command);
    }
    engine.apply(qz::BlockInput{.height = 1, .time_ns = 2'000, .commands = commands}, &events);
    engine.write_snapshot(&snapshot);
    dir->add(snapshot.data(), snapshot.size() - 32);
  }
}
}  // namespace

// Small list texts in the real formats (docs/screening.md): the first byte picks the parser as the targets read it.
void add_sanctions_seeds(SeedDir* csv, SeedDir* xml) {
  const std::string sdn =
      "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'AERO-CARIBBEAN'.\"\r\n"
      "306,\"MADURO MOROS, Nicolas\",\"individual\",\"VENEZUELA\",\"President\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
      "\"DOB 23 Nov 1962; POB Caracas, Venezuela; nationality Venezuela; Gender Male.\"\r\n\x1a";
  const std::string alt = "306,101,\"aka\",\"MADURO, Nicolas\",-0- \r\n";
  const std::string add = "306,201,-0- ,\"Caracas\",\"Venezuela\",-0- \r\n";
  const std::string comments = "36,\" continued remarks\"\r\n";
  const std::string ofac = sdn + '\xff' + alt + '\xff' + add + '\xff' + comments;
  const std::string operator_csv =
      "uid,name,type,dob,country,aliases,weak_aliases,list\n"
      "KZ-1,Айгерим Серикова,individual,1980-05-01,KZ,Aigerim Serikova,,national\n";
  for (const auto& [selector, text] : std::vector<std::pair<char, std::string>>{
           {'\x00', sdn}, {'\x01', ofac}, {'\x02', alt}, {'\x03', operator_csv}}) {
    const std::string input = std::string(1, selector) + text;
    csv->add(input.data(), input.size());
  }
  const std::string un =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CONSOLIDATED_LIST dateGenerated=\"2026-02-27T00:00:09.554Z\">"
      "<INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><REFERENCE_NUMBER>QDi.001</REFERENCE_NUMBER>"
      "<FIRST_NAME>AHMAD</FIRST_NAME><SECOND_NAME>SAEED</SECOND_NAME><NAME_ORIGINAL_SCRIPT>أحمد سعيد</NAME_ORIGINAL_SCRIPT>"
      "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Saeed</ALIAS_NAME></INDIVIDUAL_ALIAS>"
      "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1970-01-01</DATE></INDIVIDUAL_DATE_OF_BIRTH>"
      "</INDIVIDUAL></INDIVIDUALS><ENTITIES><ENTITY><DATAID>2</DATAID><FIRST_NAME>AL-SOMETHING TRUST</FIRST_NAME>"
      "<ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>SOMETHING TRUST</ALIAS_NAME></ENTITY_ALIAS></ENTITY></ENTITIES>"
      "</CONSOLIDATED_LIST>";
  for (const char selector : {'\x00', '\x01'}) {
    const std::string input = std::string(1, selector) + un;
    xml->add(input.data(), input.size());
  }
}

// Monitoring config files: the defaults written out, one with every kind of value changed, and near misses.
void add_monitor_config_seeds(SeedDir* dir) {
  const std::string defaults = qz::monitor::format_config(qz::monitor::Config{});
  qz::monitor::Config changed;
  changed.tenge_asset = "KZTD";
  changed.structuring.threshold_tiyn = 1'000'000'00;
  changed.rapid_in_out.enabled = false;
  changed.high_risk.countries = {"AF", "KP"};
  changed.wash_trading.owners = {{102, 101}, {103, 101}};
  changed.spoofing.max_lifetime_ns = 0;
  const std::string other = qz::monitor::format_config(changed);
  for (const std::string& text :
       {defaults, other, std::string("# comment\n\n  structuring.min_count=4 # four\r\nhigh_risk.countries = none\n"),
        std::string("structuring.threshold = 1.005\n"), std::string("velocity.factor_pct = 99\n"),
        std::string("wash_trading.owner = 5:6\nwash_trading.owner = 5:7\n"), std::string("unknown.key = 1\n")}) {
    dir->add(text.data(), text.size());
  }
}

// Travel-rule records: a full natural-person record, a legal person, the reduced set, and broken ones.
void add_ivms101_seeds(SeedDir* dir) {
  const std::string full =
      R"({"originator":{"originatorPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":)"
      R"("Dosmukhamedov","secondaryIdentifier":"Bauyrzhan","nameIdentifierType":"LEGL"}],"localNameIdentifier":)"
      R"([{"primaryIdentifier":"Дос","secondaryIdentifier":"Б"}]},"geographicAddress":)"
      R"([{"addressType":"HOME","townName":"Astana","country":"KZ"}],"nationalIdentification":)"
      R"({"nationalIdentifier":"900101300123","nationalIdentifierType":"NIDN"},"customerIdentification":"1002",)"
      R"("dateAndPlaceOfBirth":{"dateOfBirth":"1990-01-01","placeOfBirth":"Almaty"},"countryOfResidence":"KZ"}}],)"
      R"("accountNumber":["bc1qexample"]},"beneficiary":{"beneficiaryPersons":[{"legalPerson":{"name":)"
      R"({"nameIdentifier":[{"legalPersonName":"Steppe Trade LLP"}]},"customerNumber":"77",)"
      R"("countryOfRegistration":"KZ"}}],"accountNumber":["bc1qother"]},"originatingVASP":{"originatingVASP":)"
      R"({"legalPerson":{"name":{"nameIdentifier":[{"legalPersonName":"Qazna"}]}}}}})";
  const std::string reduced =
      R"({"Originator":{"originatorPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":"A"}]}}}],)"
      R"("accountNumber":["x"]},"Beneficiary":{"beneficiaryPersons":[],"accountNumber":["y"]}})";
  for (const std::string& text :
       {full, reduced, std::string(R"({"originator":{},"beneficiary":{}})"), std::string(R"({"originator":[]})"),
        std::string(R"({"originator":{"accountNumber":[""]},"beneficiary":{}})"), std::string("{")}) {
    dir->add(text.data(), text.size());
  }
}

// Client records: a person, a company with owners in both scripts, and near misses.
void add_kyc_record_seeds(SeedDir* dir) {
  const std::string person =
      R"({"id":1001,"kind":"person","name":{"latin":"Aigerim Serikova","original":"Айгерим Серикова"},)"
      R"("date_of_birth":"1990-03-04","nationality":"KZ","residence":"KZ","document":{"type":"passport",)"
      R"("number":"N1234567","country":"KZ"},"address":{"street":"Mangilik El 55","city":"Astana",)"
      R"("postcode":"010000","country":"KZ"},"class":"retail","kyc_tier":1,"knowledge_test":false})";
  const std::string company =
      R"({"id":2001,"kind":"company","name":{"latin":"Steppe Trade LLP","original":"ТОО Степь Трейд"},)"
      R"("nationality":"KZ","residence":"KZ","registration_number":"180140012345","address":{"street":"Dostyk 5",)"
      R"("city":"Almaty","country":"KZ"},"beneficial_owners":[{"name":{"latin":"Bauyrzhan Dosmukhamedov"},)"
      R"("date_of_birth":"1975-06-30","nationality":"KZ","share_percent":"66.67"},{"name":{"latin":"Anna Ivanova",)"
      R"("original":"Анна Иванова"},"date_of_birth":"1980-01-31","nationality":"RU","share_percent":33}],)"
      R"("class":"professional","kyc_tier":3,"knowledge_test":true})";
  for (const std::string& text :
       {person, company, std::string(R"({"id":1,"kind":"person"})"), std::string(R"({"id":0})"),
        std::string(R"({"name":{"latin":"Айгерим"}})"), std::string("[]")}) {
    dir->add(text.data(), text.size());
  }
}

// exec's command objects: the first byte picks the reader (0: a file's line; else a /v1/cbdc route, see
// fuzz_exec_input.cpp: 1 open_wallet, 2 publish_program, 5 grant, 6 pay).
void add_exec_input_seeds(SeedDir* dir) {
  const std::pair<char, std::string> kSeeds[] = {
      {'\0', R"({"cmd":"linked","actor":4,"role":"customer","commands":[{"cmd":"transfer","debit":1,"credit":2,)"
              R"("amount":"1"},{"cmd":"post_hold","hold":2}]})"},
      {'\0', R"({"cmd":"place_order","market":1,"side":"BUY","type":"LIMIT","timeInForce":"GTC","price":"1.00",)"
              R"("quantity":"0.10","clientOrderId":1})"},
      {'\0', R"({"cmd":"publish_program","actor":100,"role":"central_bank","code":"FOOD","issuer_wallet":1,)"
              R"("categories":[5411,5912]})"},
      {'\2', R"({"code":"RAIL-2027","issuer_wallet":1,"release_rule":"milestone","attester":7,"allow":[4,5,6,7,8],)"
              R"("expires_at_ns":1900000000000000000,"terminal_kinds":["merchant","bank"],"per_payment_limit":"5.00",)"
              R"("period_limit":"50.00","period_ns":86400000000000})"},
      {'\5', R"({"program":2,"holder":7,"amount":"1000.00","tranches":["600.00","400.00"]})"},
      {'\6', R"({"cmd":"pay","payer":3,"payee":4,"amount":"12.50","request_id":9})"},
      {'\6', R"({"actor":5,"payer":3,"payee":4,"amount":"1"})"},
      {'\1', R"({"owner":1001,"kind":"merchant","mcc":5411,"region":75,"waterfall":true,"linked_account":9})"},
  };
  for (const auto& [reader, text] : kSeeds) {
    const std::string bytes = std::string(1, reader) + text;
    dir->add(bytes.data(), bytes.size());
  }
}

// HTTP request heads (with bodies) and chunked bodies, as clients send them.
void add_http_seeds(SeedDir* dir) {
  for (const char* text :
       {"GET /api/v3/ping HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n",
        "POST /api/v3/order HTTP/1.1\r\nHost: x\r\nX-MBX-APIKEY: abc\r\nContent-Type: "
        "application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nsymbol=BTCK",
        "GET /ws/btckzt@depth HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "\r\nPOST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
        "4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nTrailer: 1\r\n\r\n"}) {
    dir->add(text, std::strlen(text));
  }
}

// Packed history chunks in fuzz_entry_chunks' framing: a count byte (0x40 for an order's trades as maker, from 0x80
// for ids), the first id (8 bytes, little-endian), the packed bytes: each prefix of a chunk of ledger entries of
// every kind, of a chunk of ids holding a self-trade's two fills, and of a list of trades as maker.
void add_entry_chunk_seeds(SeedDir* dir) {
  namespace hi = qz::history_internal;
  const auto framed = [](uint8_t count_byte, uint64_t first, const std::vector<uint8_t>& data) {
    std::vector<uint8_t> out = {count_byte};
    for (int i = 0; i < 8; i++) out.push_back(static_cast<uint8_t>(first >> (8 * i)));
    out.insert(out.end(), data.begin(), data.end());
    return out;
  };
  hi::EntryChunk entries{.account = 7};
  const char* const kinds[] = {"transfer", "hold_post", "trade", "fee"};
  for (uint64_t i = 0; i < 4; i++) {
    entries.append(qz::history::EntryRow{.transfer_id = 100 + 3 * i,
                                         .kind = kinds[i],
                                         .asset = 1,
                                         .debit_account = 7,
                                         .credit_account = 8 + i,
                                         .amount_minor = static_cast<int64_t>(1'000 * (i + 1)),
                                         .debit_balance_after = -5,
                                         .credit_balance_after = 5'000,
                                         .hold_id = i == 1 ? uint64_t{9} : 0,
                                         .trade_id = i == 2 ? uint64_t{40} : 0,
                                         .reference = 0,
                                         .height = 10 + i,
                                         .time_ms = 1'735'689'600'000 + static_cast<int64_t>(i)});
    dir->add(framed(static_cast<uint8_t>(entries.count), entries.first_transfer_id, entries.data));
  }
  hi::IdChunk ids{.owner = 5, .market = 1};
  for (const hi::IdRef ref : {hi::IdRef{.id = 40, .flag = true}, hi::IdRef{.id = 41, .flag = false},
                              hi::IdRef{.id = 41, .flag = true}, hi::IdRef{.id = 1'000'000, .flag = false}}) {
    ids.append(ref);
    dir->add(framed(static_cast<uint8_t>(0x80 | ids.count), ids.first_id, ids.data));
  }
  std::vector<uint8_t> rising;
  uint64_t previous = 0;
  for (const uint64_t id : {uint64_t{7}, uint64_t{8}, uint64_t{300}, uint64_t{1} << 40}) {
    hi::append_rising_id(&rising, previous, id);
    previous = id;
    dir->add(framed(0x40, 0, rising));
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  if (!make_dir(out)) return 1;
  const std::vector<qz::Command> commands = sample_commands();
  SeedDir decimal(out + "/fuzz_decimal");
  SeedDir command(out + "/fuzz_command_decoder");
  SeedDir order(out + "/fuzz_order_decoder");
  SeedDir block(out + "/fuzz_block_decoder");
  SeedDir engine(out + "/fuzz_engine");
  SeedDir snapshot(out + "/fuzz_snapshot_decoder");
  SeedDir sanctions_csv(out + "/fuzz_sanctions_csv");
  SeedDir sanctions_xml(out + "/fuzz_sanctions_xml");
  SeedDir monitor_config(out + "/fuzz_monitor_config");
  SeedDir ivms101(out + "/fuzz_ivms101");
  SeedDir kyc_record(out + "/fuzz_kyc_record");
  SeedDir exec_input(out + "/fuzz_exec_input");
  SeedDir http(out + "/fuzz_http_request");
  SeedDir entry_chunks(out + "/fuzz_entry_chunks");
  const std::vector<Stream> streams = engine_streams();
  add_decimal_seeds(&decimal);
  add_command_seeds(&command, commands);
  add_order_seeds(&order);
  add_block_seeds(&block, commands);
  add_engine_seeds(&engine, streams);
  add_snapshot_seeds(&snapshot, streams);
  add_sanctions_seeds(&sanctions_csv, &sanctions_xml);
  add_monitor_config_seeds(&monitor_config);
  add_ivms101_seeds(&ivms101);
  add_kyc_record_seeds(&kyc_record);
  add_exec_input_seeds(&exec_input);
  add_http_seeds(&http);
  add_entry_chunk_seeds(&entry_chunks);
  return decimal.ok() && command.ok() && order.ok() && block.ok() && engine.ok() && snapshot.ok() &&
                 sanctions_csv.ok() && sanctions_xml.ok() && monitor_config.ok() && ivms101.ok() && kyc_record.ok() &&
                 exec_input.ok() && http.ok() && entry_chunks.ok()
             ? 0
             : 1;
}
