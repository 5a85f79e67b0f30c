// `qazna exec` input: JSON lines (one command, or one linked group, per line) parsed into CommandText records.
//
// This stage is purely syntactic: it checks JSON, the command name, that every required field is there with the
// right type and that no unknown or repeated field is present, and for place_order which fields its type takes.
// It does not look at the engine state: names (asset codes), ids (accounts, holds, markets) and decimal amounts
// are kept as written and resolved later by exec_plan.h. The format is specified in docs/cli.md.
//
// Errors are one line, naming the input line and the field: `line 3: "amount": must be a decimal string ...`.
// Blank lines (only spaces, tabs or a carriage return) are skipped but still counted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/role.h"
#include "base/status.h"
#include "engine/command.h"
#include "ledger/ledger.h"

namespace qz::app {

// The most commands one input line (a linked group) may hold: a group must fit in one block.
inline constexpr size_t kMaxLineCommands = 8192;

// One command as written.
struct CommandText {
  CommandKind kind = CommandKind::transfer;
  std::string where;  // "" for a line's own command; "commands[2]" for a member of a linked group

  uint64_t actor = 0;
  Role role = Role::operator_;
  uint64_t request_id = 0;

  // set_engine_rules
  uint32_t rules_version = 0;
  // create_asset
  std::string code;
  uint8_t scale = 0;
  // open_account
  uint64_t owner = 0;
  std::string asset;  // asset code
  AccountKind account_kind = AccountKind::customer;
  // transfer (debit, credit, amount, reference); hold (account, credit, amount, timeout_ms, reference);
  // post (hold, credit, amount); void (hold, amount)
  uint64_t debit = 0;
  uint64_t credit = 0;
  uint64_t account = 0;
  uint64_t hold = 0;
  bool has_amount = false;
  std::string amount;  // decimal text, parsed at the asset's scale later
  uint64_t timeout_ns = 0;
  uint64_t reference = 0;

  // Markets and orders. Decimal texts are kept as written (nullopt = not given) and parsed at the market's
  // scales by exec_plan.h: prices and quote amounts at the quote asset's scale, quantities at the base asset's.
  uint32_t market = 0;
  // create_market: asset codes, tick (a price), lot step and quantity limits (quantities)
  std::string base_asset;
  std::string quote_asset;
  std::optional<std::string> tick_size;
  std::optional<std::string> lot_step;
  std::optional<std::string> min_qty;
  std::optional<std::string> max_qty;
  // set_market_rules; set_fee_tier (market, index, count, min_volume and the two fees)
  uint32_t band_bps = 0;
  std::optional<std::string> min_notional;
  uint32_t maker_fee_bps = 0;
  uint32_t taker_fee_bps = 0;
  uint64_t fee_account_base = 0;
  uint64_t fee_account_quote = 0;
  uint8_t tier_index = 0;
  uint8_t tier_count = 0;
  std::optional<std::string> min_volume;
  // set_market_status
  uint8_t market_status = 0;  // MarketStatus
  std::optional<std::string> reference_price;
  // place_order. For market_by_quote, quantity holds quoteOrderQty (a quote amount).
  OrderSideCode side = OrderSideCode::buy;
  OrderType order_type = OrderType::limit;
  OrderTif time_in_force = OrderTif::none;
  uint8_t self_trade_prevention = 0;
  std::optional<std::string> price;
  std::optional<std::string> quantity;
  std::optional<std::string> stop_price;
  std::optional<std::string> iceberg_qty;
  uint64_t good_till_ns = 0;
  // cancel_order, amend_order: the order by id or by the client order id it was placed with
  uint64_t order_id = 0;
  uint64_t client_order_id = 0;
  std::optional<std::string> new_qty;
  // register_client, update_client, set_client_status, set_client_policy
  uint64_t client = 0;
  uint8_t client_class = 1;  // ClientClass
  uint8_t kyc_tier = 0;
  char residence[2] = {0, 0};
  char nationality[2] = {0, 0};
  bool knowledge_test = false;
  uint8_t client_status = 0;   // ClientStatus
  uint16_t client_reason = 0;  // ClientStatusReason
  bool require_registered = false;
  // set_conversion_rate: asset (code, or "USD" for the dollar) and its worth in tenge, decimal text
  std::optional<std::string> rate;
  // set_tier_limits: tier (kyc_tier), kind and the limits in tenge (decimal text; absent = none);
  // set_retail_cap: the cap in US dollars (decimal text; 0 = none) and residence
  uint8_t limit_kind = 0;  // LimitKind
  std::optional<std::string> daily;
  std::optional<std::string> monthly;
  std::optional<std::string> cap_usd;
  // The digital tenge's commands (docs/money.md): built whole while parsing (their amounts are at DKZT's
  // fixed scale 2 and they name wallets and programs by id); actor, role and request id come from above.
  Command money{};
};

struct InputLine {
  uint64_t line_number = 0;  // 1-based
  bool linked = false;       // a "linked" group: every member but the last is flagged kFlagLinked
  std::vector<CommandText> commands;
};

// Where a command came from (for error messages and the event output; event_json.h prints it).
struct CommandOrigin {
  uint64_t line_number = 0;
  uint32_t member = 0;  // index inside its linked group
  bool linked = false;  // true when the line was a linked group
};

// Parses one non-blank line. On error returns a Status whose message starts with "line N: ".
[[nodiscard]] Status parse_input_line(std::string_view text, uint64_t line_number, InputLine* out);

// Parses one command object for a caller that fixes the command and the actor (a /v1/cbdc route of the server,
// docs/server.md): `cmd` may be left out and, when present, must be `cmd`; `actor` and `role` are refused (the
// caller takes them from the API key that signed the request and sets them on every command); `request_id` is
// read as in a file. Everything else is exactly the file format's. Errors name the field like a file's, without
// the "line N: " prefix. Precondition: `cmd` names a command (not "linked").
[[nodiscard]] Status parse_fixed_command(std::string_view text, std::string_view cmd, InputLine* out);

// Splits `text` into lines and parses every non-blank one, stopping at the first error.
[[nodiscard]] Status parse_input(std::string_view text, std::vector<InputLine>* out);

// True for a line holding only spaces, tabs and carriage returns.
bool is_blank_line(std::string_view text);

// "customer" -> AccountKind::customer; false for anything else.
bool account_kind_from_name(std::string_view name, AccountKind* out);
// "operator" -> Role::operator_ (every role of base/role.h except none); false for anything else.
bool role_from_name(std::string_view name, Role* out);

// Names of the order enums as exec reads and prints them (Binance's spelling): "BUY", "LIMIT_MAKER", "GTC",
// "EXPIRE_MAKER". order_type_name gives "MARKET_BY_QUOTE" for market_by_quote (input: MARKET with
// quoteOrderQty); tif none and unknown values give "".
const char* order_side_name(uint8_t side);
const char* order_type_name(uint8_t type);
const char* order_tif_name(uint8_t tif);
const char* stp_mode_name(uint8_t mode);
// "trading", "halted", "closed"; "" otherwise.
const char* market_status_name(uint8_t status);
// The digital tenge's names as publish_program reads them: "return_to_issuer", "release_to_holder"
// (ExpiryAction); "immediate", "milestone", "delayed" (ReleaseRule); "" otherwise.
const char* expiry_action_name(uint8_t action);
const char* release_rule_name(uint8_t rule);

}  // namespace qz::app
