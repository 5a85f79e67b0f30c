// Golden bytes of the command and event formats (version 1), derived by hand from the layouts in command.h and
// event.h, and the structural checks of decode_command / decode_event.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/prng.h"
#include "engine/command.h"
#include "engine/engine.h"
#include "engine/event.h"
#include "reference_ledger.h"

namespace qz::testing {
namespace {

std::string zeros(size_t bytes) { return std::string(bytes * 2, '0'); }

std::string encoded(const Command& command) {
  uint8_t bytes[kCommandSize];
  encode_command(command, bytes);
  return hex(bytes, sizeof bytes);
}

std::string encoded(const Event& event) {
  uint8_t bytes[kEventSize];
  encode_event(event, bytes);
  return hex(bytes, sizeof bytes);
}

// --- Commands ----------------------------------------------------------------------------------------------------
// Header: kind u16 | flags u8 | role u8 | reserved u32 | actor u64 | request_id u64, all little-endian.

TEST(CommandGolden, CreateAsset) {
  Command c = make_create_asset("BTC", 8);
  c.actor = 7;
  c.request_id = 0x0102030405060708;
  const std::string expected = std::string("0100") + "00" + "01" + "00000000" + "0700000000000000" +
                               "0807060504030201" +
                               "425443" + zeros(9) +  // code "BTC", NUL-padded to 12
                               "08" +                 // scale
                               zeros(27);
  EXPECT_EQ(encoded(c), expected);
}

TEST(CommandGolden, OpenAccountWithDefaultActor) {
  Command c = make_open_account(42, 3, AccountKind::custody);
  c.request_id = 0x10;
  // Actor and role default to the operator (role 1); the actor id defaults to 0, the venue.
  const std::string expected = std::string("0200") + "00" + "01" + "00000000" + zeros(8) + "1000000000000000" +
                               "2a00000000000000" +  // owner 42
                               "03000000" +          // asset 3
                               "02" +                // custody
                               zeros(27);
  EXPECT_EQ(encoded(c), expected);
}

TEST(CommandGolden, LinkedTransferByACustomer) {
  Command c = make_transfer(1, 2, 1'250'00);
  c.flags = kFlagLinked;
  c.role = static_cast<uint8_t>(Role::customer);
  c.actor = 0xAABBCCDD;
  c.request_id = 99;
  c.transfer.reference = 0x1122334455667788;
  const std::string expected = std::string("0300") + "01" + "02" + "00000000" + "ddccbbaa00000000" +
                               "6300000000000000" +
                               "0100000000000000" +  // debit
                               "0200000000000000" +  // credit
                               "48e8010000000000" +  // 125000 = 0x1e848
                               "8877665544332211" +  // reference
                               zeros(8);
  EXPECT_EQ(encoded(c), expected);
}

TEST(CommandGolden, NegativeAmountIsTwosComplement) {
  const Command c = make_transfer(1, 2, -2);
  EXPECT_EQ(encoded(c).substr(2 * 40, 16), "feffffffffffffff");
}

TEST(CommandGolden, HoldByAMerchant) {
  Command c = make_hold(5, 0, 256, 1'000'000'000);
  c.role = static_cast<uint8_t>(Role::merchant);
  c.actor = 5;
  c.hold.reference = 9;
  const std::string expected = std::string("0400") + "00" + "03" + "00000000" + "0500000000000000" + zeros(8) +
                               "0500000000000000" +  // account
                               zeros(8) +            // credit named at post time
                               "0001000000000000" +  // 256
                               "00ca9a3b00000000" +  // 1e9 = 0x3b9aca00
                               "0900000000000000";   // reference
  EXPECT_EQ(encoded(c), expected);
}

TEST(CommandGolden, PostHold) {
  const Command c = make_post_hold(3, 9, 0);
  const std::string expected = std::string("0500") + "00" + "01" + "00000000" + zeros(8) + zeros(8) +
                               "0300000000000000" + "0900000000000000" + zeros(8) + zeros(16);
  EXPECT_EQ(encoded(c), expected);
}

TEST(CommandGolden, VoidHold) {
  const Command c = make_void_hold(UINT64_MAX);
  const std::string expected =
      std::string("0600") + "00" + "01" + "00000000" + zeros(16) + "ffffffffffffffff" + zeros(32);
  EXPECT_EQ(encoded(c), expected);
}

// A partial void: hold u64 | amount_minor i64 | zero[24].
TEST(CommandGolden, VoidHoldWithAnAmountByACustomer) {
  Command c = make_void_hold(3, 400);
  c.role = static_cast<uint8_t>(Role::customer);
  c.actor = 5;
  c.request_id = 0x21;
  const std::string expected = std::string("0600") + "00" + "02" + "00000000" + "0500000000000000" +
                               "2100000000000000" +
                               "0300000000000000" +  // hold 3
                               "9001000000000000" +  // 400 = 0x190
                               zeros(24);
  EXPECT_EQ(encoded(c), expected);
  // A negative amount encodes as two's complement (the ledger refuses it: amount_must_be_positive).
  EXPECT_EQ(encoded(make_void_hold(1, -1)).substr(2 * 32, 16), "ffffffffffffffff");
}

TEST(CommandGolden, FormatVersionAndSizes) {
  EXPECT_EQ(kCommandFormatVersion, 1u);
  EXPECT_EQ(kCommandSize, 64u);
  EXPECT_EQ(kEventSize, 64u);
  EXPECT_EQ(kNoCommand, 0xFFFFFFFFu);
}

// --- decode_command ------------------------------------------------------------------------------------------------

std::vector<uint8_t> bytes_of(const Command& command) {
  std::vector<uint8_t> bytes(kCommandSize);
  encode_command(command, bytes.data());
  return bytes;
}

Result decode(const std::vector<uint8_t>& bytes) {
  Command out;
  return decode_command(bytes, &out);
}

std::vector<Command> one_of_each_kind() {
  std::vector<Command> all = {make_create_asset("ABCDEFGHIJKL", 18),
                              make_open_account(UINT64_MAX, 77, AccountKind::escrow),
                              make_transfer(1, 2, 3),
                              make_hold(4, 5, 6, 7),
                              make_post_hold(8, 9, 10),
                              make_void_hold(11, 12)};
  all[2].transfer.reference = UINT64_MAX;
  all[3].hold.reference = UINT64_MAX;
  return all;
}

// Money commands with every field set (lists and tranches at two entries).
std::vector<Command> one_of_each_money_kind() {
  std::vector<Command> all = {
      make_define_wallet_class(3, 1, 2, 3, 4),
      make_open_wallet(OpenWalletPayload{.owner = 1, .account = 2, .linked_account = 3, .wallet_class = 4, .kind = 2,
                                         .flags = 3, .mcc = 5411, .region = 7, .zero = {}}),
      make_publish_program("SUBSIDY-FOOD-2027", 5, 6),
      make_issue_cbdc(7, 8),
      make_redeem_cbdc(7, 8),
      make_grant(9, 10, 11),
      make_pay(12, 13, 14, 15, 16),
      make_release_command(CommandKind::attest_release, 17),
      make_release_command(CommandKind::dispute_release, 18),
      make_release_command(CommandKind::cancel_release, 19),
      make_set_program_status(20, 2),
      make_set_exchange_link(21, 22)};
  Command terms = make_grant(0, 0, 0);
  terms.kind = static_cast<uint16_t>(CommandKind::program_terms);
  terms.program_terms = ProgramTermsPayload{.valid_from_ns = 1, .expires_at_ns = 2, .attester = 3,
                                            .category_share_cap_bps = 4, .expiry_action = 1, .release_rule = 2,
                                            .terminal_kinds = 4, .flags = 3, .zero = {}};
  all.push_back(terms);
  Command limits = terms;
  limits.kind = static_cast<uint16_t>(CommandKind::program_limits);
  limits.program_limits = ProgramLimitsPayload{.per_payment_limit_minor = 1, .period_limit_minor = 2,
                                               .period_ns = 3, .release_delay_ns = 4, .zero = 0};
  all.push_back(limits);
  for (uint8_t list = 1; list <= kMaxProgramListKind; list++) {
    Command c = terms;
    std::memset(c.payload, 0, sizeof c.payload);
    c.kind = static_cast<uint16_t>(CommandKind::program_list);
    c.program_list.list = list;
    c.program_list.count = 2;
    c.program_list.codes[0] = 0x0101;  // the first four bytes: within two entries of any width
    c.program_list.codes[1] = 0x0101;
    all.push_back(c);
  }
  Command tranches = terms;
  std::memset(tranches.payload, 0, sizeof tranches.payload);
  tranches.kind = static_cast<uint16_t>(CommandKind::grant_tranches);
  tranches.grant_tranches.count = 2;
  tranches.grant_tranches.amounts_minor[0] = 5;
  tranches.grant_tranches.amounts_minor[1] = 6;
  all.push_back(tranches);
  for (const Command& c : all) EXPECT_EQ(validate_command(c), Result::ok) << command_kind_name(c.command_kind());
  return all;
}

// Payload bytes each kind uses (from the front); the rest must be zero.
size_t used_payload_bytes(CommandKind kind) {
  switch (kind) {
    case CommandKind::create_asset: return 13;
    case CommandKind::open_account: return 13;
    case CommandKind::transfer: return 32;
    case CommandKind::hold: return 40;
    case CommandKind::post_hold: return 24;
    case CommandKind::void_hold: return 16;
    // Market and order kinds have zero fields between used ones: see MarketCommands below.
    case CommandKind::create_market: return 40;
    case CommandKind::set_market_rules: return 40;
    case CommandKind::set_market_status: return 16;
    case CommandKind::set_fee_tier: return 24;
    case CommandKind::place_order: return 40;
    case CommandKind::cancel_order: return 24;
    case CommandKind::amend_order: return 32;
    case CommandKind::cancel_all: return 4;
    case CommandKind::tag_order: return 37;  // length and text: see TagOrderChecksItsText below
    // Client kinds: see ClientCommands below.
    case CommandKind::register_client: return 15;
    case CommandKind::update_client: return 15;
    case CommandKind::set_client_status: return 12;
    case CommandKind::set_client_policy: return 1;
    case CommandKind::set_conversion_rate: return 16;
    case CommandKind::set_tier_limits: return 24;
    case CommandKind::set_retail_cap: return 10;
    case CommandKind::set_engine_rules: return 4;
    default: break;  // the money kinds: one_of_each_money_kind and the tests that use it
  }
  return 0;
}

TEST(DecodeCommand, ClientCommandsCheckTheirZeroFieldsAndFlags) {
  const Command valid[] = {make_register_client(7, 1, 2, "KZ", "KZ", true), make_update_client(7, 2, 3, "DE", "KZ", false),
                           make_set_client_status(7, 3, 3), make_set_client_policy(true),
                           make_set_tier_limits(1, 3, 100, 200), make_set_retail_cap(100'000, "KZ"),
                           make_set_engine_rules(2)};
  for (const Command& command : valid) {
    EXPECT_EQ(validate_command(command), Result::ok) << command_kind_name(command.command_kind());
    Command bad = command;
    bad.payload[39] = 1;
    EXPECT_EQ(validate_command(bad), Result::reserved_field_not_zero) << command_kind_name(command.command_kind());
  }
  Command test_flag = make_register_client(7, 1, 2, "KZ", "KZ", true);
  test_flag.client_facts.knowledge_test = 2;  // a flag byte is 0 or 1
  EXPECT_EQ(validate_command(test_flag), Result::reserved_field_not_zero);
  Command status = make_set_client_status(7, 3, 3);
  status.set_client_status.zero = 1;
  EXPECT_EQ(validate_command(status), Result::reserved_field_not_zero);
  Command policy = make_set_client_policy(true);
  policy.set_client_policy.require_registered = 2;
  EXPECT_EQ(validate_command(policy), Result::reserved_field_not_zero);
  Command tiers = make_set_tier_limits(1, 3, 100, 200);
  tiers.set_tier_limits.zero[5] = 1;  // between the kind and the daily limit
  EXPECT_EQ(validate_command(tiers), Result::reserved_field_not_zero);
}

TEST(DecodeCommand, TagOrderChecksItsText) {
  const Command longest = make_tag_order(7, "x-TKT5PX2F0123456789abcdef0123456789");
  EXPECT_EQ(longest.tag_order.length, 36);
  EXPECT_EQ(validate_command(longest), Result::ok);
  EXPECT_EQ(validate_command(make_tag_order(7, "my_order-1")), Result::ok);
  EXPECT_EQ(validate_command(make_tag_order(7, "")), Result::client_order_id_invalid);
  EXPECT_EQ(validate_command(make_tag_order(7, "has space")), Result::client_order_id_invalid);
  EXPECT_EQ(validate_command(make_tag_order(7, "semi;colon")), Result::client_order_id_invalid);
  Command too_long = make_tag_order(7, "abc");
  too_long.tag_order.length = 37;
  EXPECT_EQ(validate_command(too_long), Result::client_order_id_invalid);
  Command past_length = make_tag_order(7, "abc");
  past_length.tag_order.text[5] = 'z';  // bytes past the length are zero
  EXPECT_EQ(validate_command(past_length), Result::reserved_field_not_zero);
  Command padding = make_tag_order(7, "abc");
  padding.tag_order.zero[2] = 1;
  EXPECT_EQ(validate_command(padding), Result::reserved_field_not_zero);
}

TEST(DecodeCommand, MarketCommandsCheckTheirZeroFieldsAndOrderFields) {
  const Command valid[] = {make_create_market(1, 2, 100, 10, 10, 1000),
                           make_set_market_rules(1, 100, 5, 10, 20, 3, 4),
                           make_set_market_status(1, 1, 500),
                           make_set_fee_tier(1, 1, 2, 1000, 5, 10),
                           make_place_order(7, 1, OrderSideCode::sell, OrderType::limit, OrderTif::gtc, 100, 10),
                           make_cancel_order(7, 1, 3, 0),
                           make_amend_order(7, 1, 3, 10),
                           make_cancel_all(7, 1)};
  for (const Command& command : valid) {
    EXPECT_EQ(validate_command(command), Result::ok) << command_kind_name(command.command_kind());
    // A byte past what the kind uses is refused.
    const size_t used = used_payload_bytes(command.command_kind());
    if (used < 40) {
      Command bad = command;
      bad.payload[39] = 1;
      EXPECT_EQ(validate_command(bad), Result::reserved_field_not_zero) << command_kind_name(command.command_kind());
    }
  }
  Command status = make_set_market_status(1, 1);
  status.set_market_status.zero[1] = 1;
  EXPECT_EQ(validate_command(status), Result::reserved_field_not_zero);
  Command tier = make_set_fee_tier(1, 0, 1, 0, 1, 1);
  tier.set_fee_tier.zero[0] = 1;
  EXPECT_EQ(validate_command(tier), Result::reserved_field_not_zero);
  Command cancel = make_cancel_order(7, 1, 3);
  cancel.cancel_order.zero = 1;
  EXPECT_EQ(validate_command(cancel), Result::reserved_field_not_zero);

  const Command order = make_place_order(7, 1, OrderSideCode::buy, OrderType::limit, OrderTif::gtc, 100, 10);
  for (const auto& [field, value] : std::vector<std::pair<int, uint8_t>>{{0, 0}, {0, 3}, {1, 0}, {1, kMaxOrderType + 1},
                                                                          {2, kMaxOrderTif + 1}, {3, kMaxStpMode + 1}}) {
    Command bad = order;
    uint8_t* fields[] = {&bad.place_order.side, &bad.place_order.type, &bad.place_order.time_in_force,
                         &bad.place_order.self_trade_prevention};
    *fields[field] = value;
    EXPECT_EQ(validate_command(bad), Result::order_field_invalid) << field << "=" << int{value};
  }
}

TEST(DecodeCommand, RoundTripsEveryKind) {
  for (const Command& command : one_of_each_kind()) {
    for (uint8_t role = 0; role <= kMaxRole; role++) {
      Command c = command;
      c.role = role;
      c.flags = role % 2 == 0 ? kFlagLinked : 0;
      c.actor = 0x0102030405060708 * role;
      c.request_id = ~c.actor;
      const std::vector<uint8_t> bytes = bytes_of(c);
      Command back;
      ASSERT_EQ(decode_command(bytes, &back), Result::ok) << describe(c);
      EXPECT_EQ(std::memcmp(&back, &c, kCommandSize), 0);
      EXPECT_EQ(bytes_of(back), bytes);
      EXPECT_EQ(validate_command(c), Result::ok);
    }
  }
}

TEST(DecodeCommand, RoundTripsRandomValidCommands) {
  Prng prng(0xC0DEC);
  for (int i = 0; i < 20000; i++) {
    Command c = one_of_each_kind()[prng.below(6)];
    c.flags = static_cast<uint8_t>(prng.below(2));
    c.role = static_cast<uint8_t>(prng.below(kMaxRole + 1));
    c.actor = prng.next();
    c.request_id = prng.next();
    const size_t used = used_payload_bytes(c.command_kind());
    for (size_t k = 0; k < used; k++) c.payload[k] = static_cast<uint8_t>(prng.next());
    if (c.command_kind() == CommandKind::create_asset) {
      const size_t length = 1 + prng.below(kAssetCodeSize);
      for (size_t k = 0; k < kAssetCodeSize; k++) {
        c.create_asset.code[k] = k < length ? static_cast<char>('A' + prng.below(26)) : '\0';
      }
    }
    const std::vector<uint8_t> bytes = bytes_of(c);
    Command back;
    ASSERT_EQ(decode_command(bytes, &back), Result::ok) << describe(c);
    ASSERT_EQ(bytes_of(back), bytes);
  }
}

TEST(DecodeCommand, RejectsAWrongSize) {
  const std::vector<uint8_t> good = bytes_of(make_void_hold(1));
  for (size_t size : {size_t{0}, size_t{1}, size_t{63}, size_t{65}, size_t{128}}) {
    std::vector<uint8_t> bytes = good;
    bytes.resize(size, 0);
    Command out;
    EXPECT_EQ(decode_command(bytes, &out), Result::reserved_field_not_zero) << size;
  }
}

TEST(DecodeCommand, RejectsUnknownKinds) {
  for (uint16_t kind : {uint16_t{0}, uint16_t{8}, uint16_t{9}, uint16_t{0x0100}, uint16_t{0xFFFF}}) {
    Command c = make_void_hold(1);
    c.kind = kind;
    EXPECT_EQ(decode(bytes_of(c)), Result::unknown_command_kind) << kind;
    // The kind is checked first: bad flags and role too still give unknown_command_kind.
    c.flags = 0xFF;
    c.role = 0xFF;
    c.reserved = 1;
    EXPECT_EQ(decode(bytes_of(c)), Result::unknown_command_kind) << kind;
  }
}

TEST(DecodeCommand, RejectsUnknownFlags) {
  for (int bit = 1; bit < 8; bit++) {
    Command c = make_transfer(1, 2, 3);
    c.flags = static_cast<uint8_t>(1u << bit);
    EXPECT_EQ(decode(bytes_of(c)), Result::reserved_field_not_zero) << "flag bit " << bit;
    c.flags |= kFlagLinked;
    EXPECT_EQ(decode(bytes_of(c)), Result::reserved_field_not_zero) << "flag bit " << bit << " with linked";
    c.role = 200;  // reserved fields are checked before the role
    EXPECT_EQ(decode(bytes_of(c)), Result::reserved_field_not_zero) << "flag bit " << bit;
  }
}

TEST(DecodeCommand, RejectsANonZeroReservedHeaderField) {
  for (size_t byte = 4; byte < 8; byte++) {
    std::vector<uint8_t> bytes = bytes_of(make_transfer(1, 2, 3));
    bytes[byte] = 0x01;
    EXPECT_EQ(decode(bytes), Result::reserved_field_not_zero) << "header byte " << byte;
  }
}

TEST(DecodeCommand, RejectsUnknownRoles) {
  for (int role = kMaxRole + 1; role <= 255; role++) {
    Command c = make_transfer(1, 2, 3);
    c.role = static_cast<uint8_t>(role);
    EXPECT_EQ(decode(bytes_of(c)), Result::actor_not_permitted) << "role " << role;
  }
}

TEST(DecodeCommand, RejectsEveryNonZeroUnusedPayloadByte) {
  for (const Command& command : one_of_each_kind()) {
    const size_t used = used_payload_bytes(command.command_kind());
    for (size_t k = 0; k < 40; k++) {
      std::vector<uint8_t> bytes = bytes_of(command);
      bytes[24 + k] ^= 0x40;
      const Result expected = k < used ? Result::ok : Result::reserved_field_not_zero;
      if (command.command_kind() == CommandKind::create_asset && k < kAssetCodeSize) continue;  // see below
      EXPECT_EQ(decode(bytes), expected) << command_kind_name(command.command_kind()) << " payload byte " << k;
    }
  }
}

// The asset code is NUL-padded: a byte after the first NUL is padding, not part of the code, and like every
// byte a kind does not use it must be zero. Otherwise "AB\0X" creates asset AB and the event's code field
// carries the stray X, and two different commands create the same asset.
TEST(DecodeCommand, RejectsAnAssetCodeWithBytesAfterItsNul) {
  for (size_t k = 3; k < kAssetCodeSize; k++) {
    Command c = make_create_asset("AB", 2);
    c.create_asset.code[k] = 'X';
    EXPECT_EQ(decode(bytes_of(c)), Result::reserved_field_not_zero) << "code byte " << k;
  }
  Command c = make_create_asset("AB", 2);
  c.create_asset.code[0] = '\0';
  c.create_asset.code[1] = 'B';
  EXPECT_EQ(decode(bytes_of(c)), Result::reserved_field_not_zero) << "code starting with a NUL";
  // Characters outside A-Z 0-9 are the engine's asset_code_invalid (a semantic check), not a decoding error.
  EXPECT_EQ(decode(bytes_of(make_create_asset("ab", 2))), Result::ok);
}

// Near-valid random records (a valid command of some kind with 0-3 random bytes changed) and fully random ones:
// decode_command must agree with the independent validator of reference_ledger.cpp, and what it accepts must
// encode back to the same bytes.
TEST(DecodeCommand, AgreesWithAnIndependentValidatorOnRandomBytes) {
  Prng prng(0xDEC0DE);
  std::vector<Command> kinds = one_of_each_kind();
  for (const Command& client : {make_register_client(7, 1, 2, "KZ", "KZ", true),
                                make_update_client(UINT64_MAX, 2, 3, "DE", "RU", false),
                                make_set_client_status(7, 3, 4), make_set_client_policy(true),
                                make_set_conversion_rate(2, 45'000'000'00), make_tag_order(7, "x-ABC_12-z"),
                                make_set_engine_rules(2)}) {
    kinds.push_back(client);
  }
  for (const Command& money : one_of_each_money_kind()) kinds.push_back(money);
  int disagreements = 0;
  for (int i = 0; i < 200000 && disagreements < 5; i++) {
    std::vector<uint8_t> bytes(kCommandSize);
    if (prng.chance(90)) {
      Command c = kinds[prng.below(kinds.size())];
      c.actor = prng.next();
      c.request_id = prng.next();
      c.flags = static_cast<uint8_t>(prng.below(2));
      c.role = static_cast<uint8_t>(prng.below(kMaxRole + 1));
      bytes = bytes_of(c);
      const uint64_t changes = prng.below(4);
      for (uint64_t k = 0; k < changes; k++) bytes[prng.below(kCommandSize)] = static_cast<uint8_t>(prng.next());
    } else {
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(prng.next());
    }
    Command copy;
    std::memcpy(&copy, bytes.data(), kCommandSize);
    Command out;
    const Result got = decode_command(bytes, &out);
    const Result expected = reference_validate(copy);
    if (got != expected) {
      disagreements++;
      ADD_FAILURE() << "decode_command says " << result_name(got) << ", the independent check "
                    << result_name(expected) << ": " << describe(copy);
    }
    if (got == Result::ok) {
      EXPECT_EQ(bytes_of(out), bytes);
    }
  }
}

// --- Events ------------------------------------------------------------------------------------------------------
// Header: kind u16 | reserved u16 | result u32 | command_index u32 | reserved u32.

std::string event_header(const char* kind, const char* result, const char* index) {
  return std::string(kind) + "0000" + result + index + "00000000";
}

class EventGolden : public ::testing::Test {
 protected:
  // Block 0 (time 1000) and block 1 (time 1500) of a small scenario; their events are pinned below.
  void SetUp() override {
    std::vector<Command> block0;
    Command asset = make_create_asset("KZT", 2);
    asset.request_id = 1;
    block0.push_back(asset);                                            // 0 asset 1
    block0.push_back(make_open_account(0, 1, AccountKind::issuance));  // 1 account 1
    block0.push_back(make_open_account(77, 1, AccountKind::customer)); // 2 account 2
    block0.push_back(make_transfer(1, 2, 50000));                      // 3 transfer 1
    Command overdraw = make_transfer(2, 1, 50001);                     // 4 insufficient_funds
    overdraw.actor = 77;
    overdraw.role = static_cast<uint8_t>(Role::customer);
    block0.push_back(overdraw);
    Command hold = make_hold(2, 0, 100, 500);                          // 5 hold 1, expires at 1500
    hold.actor = 77;
    hold.role = static_cast<uint8_t>(Role::customer);
    block0.push_back(hold);
    block0.push_back(asset);                                            // 6 duplicate of 0
    engine.apply(BlockInput{.height = 0, .time_ns = 1000, .commands = block0}, &events);

    const std::vector<Command> block1 = {
        make_void_hold(1),             // 0 hold_already_closed: it expired at the start of this block
        make_hold(2, 1, 300, 0),       // 1 hold 2
        make_post_hold(2, 0, 120),     // 2 transfer 2
        make_void_hold(2, 80),         // 3 releases 80 of the remaining 180; the hold stays live with 100
        make_void_hold(2),             // 4 releases the remaining 100 and closes the hold
        make_void_hold(2, 1),          // 5 hold_already_closed
    };
    engine.apply(BlockInput{.height = 1, .time_ns = 1500, .commands = block1}, &events);
  }

  Engine engine;
  std::vector<Event> events;
};

TEST_F(EventGolden, PinnedBytes) {
  const std::string expected[] = {
      // asset_created: asset 1, scale 2, "KZT"
      event_header("0300", "00000000", "00000000") + "01000000" + "02" + "4b5a54" + zeros(9) + zeros(31),
      // account_opened: account 1, owner 0, asset 1, issuance
      event_header("0400", "00000000", "01000000") + "0100000000000000" + zeros(8) + "01000000" + "04" + zeros(27),
      // account_opened: account 2, owner 77, asset 1, customer
      event_header("0400", "00000000", "02000000") + "0200000000000000" + "4d00000000000000" + "01000000" + "01" +
          zeros(27),
      // transfer_posted: transfer 1, 1 -> 2, 50000; balances after -50000 and 50000
      event_header("0500", "00000000", "03000000") + "0100000000000000" + "0100000000000000" + "0200000000000000" +
          "50c3000000000000" + "b03cffffffffffff" + "50c3000000000000",
      // rejected insufficient_funds (126): actor 77, no request id, command kind 3
      event_header("0100", "7e000000", "04000000") + "4d00000000000000" + zeros(8) + "0300" + zeros(30),
      // hold_placed: hold 1 on account 2, no credit, 100, expires 1500, held after 100
      event_header("0600", "00000000", "05000000") + "0100000000000000" + "0200000000000000" + zeros(8) +
          "6400000000000000" + "dc05000000000000" + "6400000000000000",
      // duplicate: actor 0, request 1, object 1 (the asset), command kind 1, original result ok
      event_header("0200", "00000000", "06000000") + zeros(8) + "0100000000000000" + "0100000000000000" + "0100" +
          zeros(22),
      // block 1 -- hold_expired before any command: hold 1, account 2, 100 released, held after 0, remaining 0
      event_header("0900", "00000000", "ffffffff") + "0100000000000000" + "0200000000000000" + "6400000000000000" +
          zeros(8) + zeros(8) + zeros(8),
      // rejected hold_already_closed (132): actor 0, no request id, command kind 6
      event_header("0100", "84000000", "00000000") + zeros(8) + zeros(8) + "0600" + zeros(30),
      // hold_placed: hold 2 on account 2, credit 1, 300, never expires, held after 300
      event_header("0600", "00000000", "01000000") + "0200000000000000" + "0200000000000000" + "0100000000000000" +
          "2c01000000000000" + zeros(8) + "2c01000000000000",
      // hold_posted: hold 2, transfer 2, 2 -> 1, 120, 180 remaining
      event_header("0700", "00000000", "02000000") + "0200000000000000" + "0200000000000000" + "0200000000000000" +
          "0100000000000000" + "7800000000000000" + "b400000000000000",
      // hold_voided (partial): hold 2, account 2, 80 released, held after 100, 100 still held by the hold
      event_header("0800", "00000000", "03000000") + "0200000000000000" + "0200000000000000" + "5000000000000000" +
          "6400000000000000" + "6400000000000000" + zeros(8),
      // hold_voided (the rest): hold 2, account 2, 100 released, held after 0, remaining 0 (closed)
      event_header("0800", "00000000", "04000000") + "0200000000000000" + "0200000000000000" + "6400000000000000" +
          zeros(8) + zeros(8) + zeros(8),
      // rejected hold_already_closed (132): actor 0, no request id, command kind 6
      event_header("0100", "84000000", "05000000") + zeros(8) + zeros(8) + "0600" + zeros(30),
  };
  ASSERT_EQ(events.size(), std::size(expected));
  for (size_t i = 0; i < events.size(); i++) {
    EXPECT_EQ(encoded(events[i]), expected[i]) << "event " << i << ": " << describe(events[i]);
  }
}

TEST_F(EventGolden, DecodeAcceptsEveryEmittedEventAndRoundTrips) {
  for (const Event& event : events) {
    uint8_t bytes[kEventSize];
    encode_event(event, bytes);
    Event back;
    ASSERT_TRUE(decode_event(bytes, &back)) << describe(event);
    EXPECT_EQ(std::memcmp(&back, &event, kEventSize), 0);
  }
}

TEST_F(EventGolden, DecodeRejectsBrokenRecords) {
  uint8_t good[kEventSize];
  encode_event(events[3], good);
  Event out;
  for (uint16_t kind : {uint16_t{0}, uint16_t{11}, uint16_t{0xFFFF}}) {
    uint8_t bytes[kEventSize];
    std::memcpy(bytes, good, kEventSize);
    bytes[0] = static_cast<uint8_t>(kind);
    bytes[1] = static_cast<uint8_t>(kind >> 8);
    EXPECT_FALSE(decode_event(bytes, &out)) << "kind " << kind;
  }
  for (size_t byte : {size_t{2}, size_t{3}, size_t{12}, size_t{13}, size_t{14}, size_t{15}}) {
    uint8_t bytes[kEventSize];
    std::memcpy(bytes, good, kEventSize);
    bytes[byte] = 1;
    EXPECT_FALSE(decode_event(bytes, &out)) << "reserved byte " << byte;
  }
  for (uint32_t result : {98u, 99u, 199u, 0xFFFFFFFFu}) {
    uint8_t bytes[kEventSize];
    std::memcpy(bytes, good, kEventSize);
    put_u32(bytes + 4, result);
    EXPECT_FALSE(decode_event(bytes, &out)) << "result " << result;
  }
  EXPECT_FALSE(decode_event(std::span<const uint8_t>(good, 63), &out));
  std::vector<uint8_t> longer(good, good + kEventSize);
  longer.push_back(0);
  EXPECT_FALSE(decode_event(longer, &out));
}

TEST(EventNames, EveryKindHasAName) {
  for (uint16_t kind = 1; kind <= 10; kind++) {
    EXPECT_STRNE(event_kind_name(static_cast<EventKind>(kind)), "unknown") << kind;
  }
  EXPECT_STREQ(event_kind_name(static_cast<EventKind>(11)), "unknown");
  for (uint16_t kind = 1; kind <= 7; kind++) {
    EXPECT_STRNE(command_kind_name(static_cast<CommandKind>(kind)), "unknown") << kind;
  }
  EXPECT_STREQ(command_kind_name(static_cast<CommandKind>(8)), "unknown");
}

}  // namespace
}  // namespace qz::testing
