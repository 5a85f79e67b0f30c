#include "app/exec_input.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "base/checked.h"
#include "base/decimal.h"
#include "money/program.h"

namespace qz::app {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::array<std::string_view, 3> kEnvelopeFields = {"actor", "role", "request_id"};

struct KindSpec {
  std::string_view name;
  CommandKind kind;
  std::vector<std::string_view> fields;  // besides cmd and the envelope fields
};

const std::vector<KindSpec>& kind_specs() {
  static const std::vector<KindSpec> specs = {
      {"create_asset", CommandKind::create_asset, {"code", "scale"}},
      {"open_account", CommandKind::open_account, {"owner", "asset", "kind"}},
      {"transfer", CommandKind::transfer, {"debit", "credit", "amount", "reference"}},
      {"hold", CommandKind::hold, {"account", "credit", "amount", "timeout_ms", "reference"}},
      {"post", CommandKind::post_hold, {"hold", "credit", "amount"}},
      {"post_hold", CommandKind::post_hold, {"hold", "credit", "amount"}},
      {"void", CommandKind::void_hold, {"hold", "amount"}},
      {"void_hold", CommandKind::void_hold, {"hold", "amount"}},
      {"create_market", CommandKind::create_market, {"base", "quote", "tick_size", "lot_step", "min_qty", "max_qty"}},
      {"set_market_rules",
       CommandKind::set_market_rules,
       {"market", "band_bps", "min_notional", "maker_fee_bps", "taker_fee_bps", "fee_account_base",
        "fee_account_quote"}},
      {"set_market_status", CommandKind::set_market_status, {"market", "status", "reference_price"}},
      {"set_fee_tier",
       CommandKind::set_fee_tier,
       {"market", "index", "count", "min_30d_volume", "maker_fee_bps", "taker_fee_bps"}},
      {"place_order",
       CommandKind::place_order,
       {"market", "side", "type", "timeInForce", "price", "quantity", "quoteOrderQty", "stopPrice", "icebergQty",
        "goodTillDate", "selfTradePreventionMode", "clientOrderId"}},
      {"cancel_order", CommandKind::cancel_order, {"market", "orderId", "origClientOrderId"}},
      {"amend_order", CommandKind::amend_order, {"market", "orderId", "origClientOrderId", "newQty"}},
      {"cancel_all", CommandKind::cancel_all, {"market"}},
      {"register_client",
       CommandKind::register_client,
       {"client", "class", "kyc_tier", "residence", "nationality", "knowledge_test"}},
      {"update_client",
       CommandKind::update_client,
       {"client", "class", "kyc_tier", "residence", "nationality", "knowledge_test"}},
      {"set_client_status", CommandKind::set_client_status, {"client", "status", "reason"}},
      {"set_client_policy", CommandKind::set_client_policy, {"require_registered"}},
      {"set_conversion_rate", CommandKind::set_conversion_rate, {"asset", "rate"}},
      {"set_tier_limits", CommandKind::set_tier_limits, {"tier", "kind", "daily", "monthly"}},
      {"set_retail_cap", CommandKind::set_retail_cap, {"usd", "residence"}},
      {"set_engine_rules", CommandKind::set_engine_rules, {"version"}},
      {"define_wallet_class",
       CommandKind::define_wallet_class,
       {"kyc_level", "balance_cap", "per_payment_limit", "daily_limit", "annual_limit"}},
      {"open_wallet",
       CommandKind::open_wallet,
       {"owner", "kind", "account", "wallet_class", "mcc", "region", "linked_account", "waterfall",
        "reverse_waterfall"}},
      {"publish_program",
       CommandKind::publish_program,
       {"code", "issuer_wallet", "escrow_account", "valid_from_ns", "expires_at_ns", "expiry_action", "release_rule",
        "attester", "release_delay_ns", "allow", "deny", "categories", "regions", "eligible_classes", "p2p_allowed",
        "cash_out_allowed", "per_payment_limit", "period_limit", "period_ns", "category_share_cap_bps",
        "terminal_kinds"}},
      {"issue_cbdc", CommandKind::issue_cbdc, {"bank_wallet", "amount"}},
      {"redeem_cbdc", CommandKind::redeem_cbdc, {"bank_wallet", "amount"}},
      {"grant", CommandKind::grant, {"program", "holder", "amount", "tranches"}},
      {"pay", CommandKind::pay, {"payer", "payee", "amount", "exchange_account"}},
      {"attest_release", CommandKind::attest_release, {"release"}},
      {"dispute_release", CommandKind::dispute_release, {"release"}},
      {"cancel_release", CommandKind::cancel_release, {"release"}},
      {"set_program_status", CommandKind::set_program_status, {"program", "status"}},
      {"set_exchange_link", CommandKind::set_exchange_link, {"venue_wallet", "tenge_account"}},
  };
  return specs;
}

const char* type_name(element_type type) {
  switch (type) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64: return "an integer";
    case element_type::DOUBLE: return "a fractional number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out += '"';
  return out;
}

// The fields of one JSON object, with the checks shared by every command: no field repeated, no unknown field,
// each typed read naming the field when it fails.
class Fields {
 public:
  Fields(uint64_t line_number, std::string where) : line_number_(line_number), where_(std::move(where)) {}

  Status load(element value) {
    simdjson::dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      return fail_here(std::string("expected a JSON object, got ") + type_name(value.type()));
    }
    for (simdjson::dom::key_value_pair pair : object) {
      for (const auto& [name, unused] : fields_) {
        if (name == pair.key) return fail(pair.key, "appears more than once");
      }
      fields_.emplace_back(pair.key, pair.value);
    }
    return Status::ok();
  }

  // Every field must be `cmd`, an envelope field or one of `allowed`.
  Status check_known(std::string_view command, const std::vector<std::string_view>& allowed,
                     bool envelope_allowed) const {
    for (const auto& [name, unused] : fields_) {
      if (name == "cmd") continue;
      if (envelope_allowed &&
          std::find(kEnvelopeFields.begin(), kEnvelopeFields.end(), name) != kEnvelopeFields.end()) {
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      std::string list;
      for (std::string_view field : allowed) list += (list.empty() ? "" : ", ") + std::string(field);
      if (envelope_allowed) {
        for (std::string_view field : kEnvelopeFields) list += ", " + std::string(field);
      }
      return fail(name, "is not a field of " + std::string(command) + " (its fields: " + list + ")");
    }
    return Status::ok();
  }

  bool has(std::string_view name) const { return find(name) != nullptr; }

  Status string(std::string_view name, bool required, std::string* out) {
    const element* value = find(name);
    if (value == nullptr) return required ? missing(name) : Status::ok();
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS) {
      return fail(name, std::string("must be a string, got ") + type_name(value->type()));
    }
    out->assign(text);
    return Status::ok();
  }

  Status boolean(std::string_view name, bool required, bool* out) {
    const element* value = find(name);
    if (value == nullptr) return required ? missing(name) : Status::ok();
    if (value->get_bool().get(*out) != simdjson::SUCCESS) {
      return fail(name, std::string("must be true or false, got ") + type_name(value->type()));
    }
    return Status::ok();
  }

  Status u64(std::string_view name, bool required, uint64_t* out) {
    const element* value = find(name);
    if (value == nullptr) return required ? missing(name) : Status::ok();
    const element_type type = value->type();
    if (type == element_type::UINT64) {
      if (value->get_uint64().get(*out) != simdjson::SUCCESS) return fail(name, "is not a valid integer");
      return Status::ok();
    }
    if (type == element_type::INT64) {
      int64_t signed_value = 0;
      if (value->get_int64().get(signed_value) != simdjson::SUCCESS) return fail(name, "is not a valid integer");
      if (signed_value < 0) return fail(name, "must not be negative, got " + std::to_string(signed_value));
      *out = static_cast<uint64_t>(signed_value);
      return Status::ok();
    }
    return fail(name, std::string("must be a non-negative integer, got ") + type_name(type));
  }

  Status amount(std::string_view name, bool required, bool* present, std::string* out) {
    const element* value = find(name);
    *present = value != nullptr;
    if (value == nullptr) return required ? missing(name) : Status::ok();
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS) {
      return fail(name, std::string("must be a decimal string such as \"12.50\" (JSON numbers are not exact), got ") +
                            type_name(value->type()));
    }
    out->assign(text);
    return Status::ok();
  }

  Status u32(std::string_view name, bool required, uint32_t* out) {
    uint64_t value = *out;
    QZ_TRY(u64(name, required, &value));
    if (value > UINT32_MAX) return fail(name, "must fit in 32 bits (at most 4294967295), got " + std::to_string(value));
    *out = static_cast<uint32_t>(value);
    return Status::ok();
  }

  Status u8(std::string_view name, bool required, uint8_t* out) {
    uint64_t value = *out;
    QZ_TRY(u64(name, required, &value));
    if (value > 255) return fail(name, "must fit in one byte (at most 255), got " + std::to_string(value));
    *out = static_cast<uint8_t>(value);
    return Status::ok();
  }

  // An array of non-negative integers, each at most `max`; absent: ok, *out untouched.
  Status u64_list(std::string_view name, uint64_t max, std::vector<uint64_t>* out) {
    const element* value = find(name);
    if (value == nullptr) return Status::ok();
    simdjson::dom::array array;
    if (value->get_array().get(array) != simdjson::SUCCESS) {
      return fail(name, std::string("must be an array of integers, got ") + type_name(value->type()));
    }
    for (element item : array) {
      uint64_t v = 0;
      if (item.get_uint64().get(v) != simdjson::SUCCESS || v > max) {
        return fail(name, "must hold integers from 0 to " + std::to_string(max));
      }
      out->push_back(v);
    }
    return Status::ok();
  }

  // An array of strings.
  Status string_list(std::string_view name, std::vector<std::string>* out) {
    const element* value = find(name);
    if (value == nullptr) return Status::ok();
    simdjson::dom::array array;
    if (value->get_array().get(array) != simdjson::SUCCESS) {
      return fail(name, std::string("must be an array of strings, got ") + type_name(value->type()));
    }
    for (element item : array) {
      std::string_view text;
      if (item.get_string().get(text) != simdjson::SUCCESS) return fail(name, "must hold strings only");
      out->emplace_back(text);
    }
    return Status::ok();
  }

  // A decimal string kept as written; nullopt when absent.
  Status decimal(std::string_view name, bool required, std::optional<std::string>* out) {
    bool present = false;
    std::string text;
    QZ_TRY(amount(name, required, &present, &text));
    if (present) *out = std::move(text);
    return Status::ok();
  }

  // A string field that must be one of `names`; *index receives its position. Absent: ok, *index untouched.
  template <size_t N>
  Status choice(std::string_view name, bool required, const std::array<std::string_view, N>& names, size_t* index) {
    if (!has(name)) return required ? missing(name) : Status::ok();
    std::string text;
    QZ_TRY(string(name, true, &text));
    for (size_t i = 0; i < N; i++) {
      if (names[i] == text) {
        *index = i;
        return Status::ok();
      }
    }
    std::string list;
    for (std::string_view candidate : names) list += (list.empty() ? "" : ", ") + std::string(candidate);
    return fail(name, "unknown value " + in_quotes(text) + " (one of: " + list + ")");
  }

  const element* find(std::string_view name) const {
    for (const auto& [field, value] : fields_) {
      if (field == name) return &value;
    }
    return nullptr;
  }

  Status fail(std::string_view field, const std::string& message) const {
    const std::string path = where_.empty() ? std::string(field) : where_ + "." + std::string(field);
    return Status::error(line_prefix() + in_quotes(path) + ": " + message);
  }
  Status fail_here(const std::string& message) const {
    return Status::error(line_prefix() + (where_.empty() ? "" : in_quotes(where_) + ": ") + message);
  }
  Status missing(std::string_view field) const { return fail(field, "is required but missing"); }

 private:
  // "line N: "; nothing for an object that did not come from a file (line number 0).
  std::string line_prefix() const {
    return line_number_ == 0 ? std::string() : "line " + std::to_string(line_number_) + ": ";
  }

  uint64_t line_number_;
  std::string where_;
  std::vector<std::pair<std::string_view, element>> fields_;
};

// Reads actor, role and request_id into `command` (which already holds the defaults).
Status read_envelope(Fields* fields, bool request_id_allowed, CommandText* command) {
  QZ_TRY(fields->u64("actor", false, &command->actor));
  std::string role;
  if (fields->has("role")) {
    QZ_TRY(fields->string("role", true, &role));
    if (!role_from_name(role, &command->role)) {
      return fields->fail("role",
                          "unknown role " + in_quotes(role) +
                              " (roles: operator, customer, merchant, compliance, regulator, central_bank, bank)");
    }
  }
  if (request_id_allowed) QZ_TRY(fields->u64("request_id", false, &command->request_id));
  return Status::ok();
}

// Names of the order enums, indexed by the enum's value ("" for a value without one).
constexpr std::array<std::string_view, 3> kSideNames = {"", "BUY", "SELL"};
constexpr std::array<std::string_view, 5> kTifNames = {"", "GTC", "IOC", "FOK", "GTD"};
constexpr std::array<std::string_view, 4> kStpNames = {"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"};
constexpr std::array<std::string_view, 3> kMarketStatusNames = {"trading", "halted", "closed"};
constexpr std::array<std::string_view, 2> kClientClassNames = {"retail", "professional"};
constexpr std::array<std::string_view, 3> kClientStatusNames = {"active", "frozen", "offboarded"};  // 2, 3, 4
constexpr std::array<std::string_view, 3> kLimitKindNames = {"deposit", "withdrawal", "purchase"};   // 1, 2, 3
constexpr std::array<std::string_view, 9> kClientReasonNames = {
    "registered",     "kyc_approved",   "compliance_review", "sanctions_match", "court_order",
    "review_cleared", "client_request", "kyc_refused",       "dormant"};  // 1-9

constexpr std::array<std::string_view, 2> kInputSides = {"BUY", "SELL"};
constexpr std::array<std::string_view, 5> kInputTypes = {"LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT",
                                                         "TAKE_PROFIT_LIMIT"};
constexpr std::array<OrderType, 5> kInputTypeValues = {OrderType::limit, OrderType::limit_maker, OrderType::market,
                                                       OrderType::stop_loss_limit, OrderType::take_profit_limit};
constexpr std::array<std::string_view, 4> kInputTifs = {"GTC", "IOC", "FOK", "GTD"};

// place_order, Binance's fields. Which fields a type takes (anything else is refused here; the engine then checks
// the values, e.g. an iceberg on an IOC order is its order_type_invalid):
//   LIMIT, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT: price, quantity, timeInForce required; stopPrice required for the
//     stop types; icebergQty optional; goodTillDate required with GTD and refused otherwise.
//   LIMIT_MAKER: price, quantity; icebergQty optional.
//   MARKET: quantity or quoteOrderQty (exactly one; quoteOrderQty makes it market_by_quote).
// icebergQty and goodTillDate share the command's aux field, so they cannot both be given.
Status parse_place_order(Fields* fields, CommandText* command) {
  QZ_TRY(fields->u32("market", true, &command->market));
  size_t side = 0;
  QZ_TRY(fields->choice("side", true, kInputSides, &side));
  command->side = side == 0 ? OrderSideCode::buy : OrderSideCode::sell;
  size_t type = 0;
  QZ_TRY(fields->choice("type", true, kInputTypes, &type));
  command->order_type = kInputTypeValues[type];
  size_t stp = 0;
  QZ_TRY(fields->choice("selfTradePreventionMode", false, kStpNames, &stp));
  command->self_trade_prevention = static_cast<uint8_t>(stp);
  if (fields->has("clientOrderId")) {
    if (fields->has("request_id")) {
      return fields->fail("clientOrderId",
                          "and \"request_id\" are the same field (the client order id is the "
                          "command's request id); give one of them");
    }
    QZ_TRY(fields->u64("clientOrderId", true, &command->request_id));
  }

  const std::string type_text = std::string(kInputTypes[type]);
  const auto refuse = [&](std::string_view field) -> Status {
    if (!fields->has(field)) return Status::ok();
    return fields->fail(field, "is not a field of a " + type_text + " order");
  };
  if (command->order_type == OrderType::market) {
    for (std::string_view field : {"price", "stopPrice", "timeInForce", "icebergQty", "goodTillDate"}) {
      QZ_TRY(refuse(field));
    }
    const bool by_quantity = fields->has("quantity");
    const bool by_quote = fields->has("quoteOrderQty");
    if (by_quantity && by_quote) {
      return fields->fail("quoteOrderQty", "and \"quantity\" cannot both be given: a MARKET order is sized by one");
    }
    if (!by_quantity && !by_quote) {
      return fields->fail("quantity",
                          "is required but missing (a MARKET order needs \"quantity\" or "
                          "\"quoteOrderQty\")");
    }
    if (by_quote) {
      command->order_type = OrderType::market_by_quote;
      QZ_TRY(fields->decimal("quoteOrderQty", true, &command->quantity));
    } else {
      QZ_TRY(fields->decimal("quantity", true, &command->quantity));
    }
    return Status::ok();
  }

  QZ_TRY(refuse("quoteOrderQty"));
  QZ_TRY(fields->decimal("price", true, &command->price));
  QZ_TRY(fields->decimal("quantity", true, &command->quantity));
  QZ_TRY(fields->decimal("icebergQty", false, &command->iceberg_qty));
  const bool stop =
      command->order_type == OrderType::stop_loss_limit || command->order_type == OrderType::take_profit_limit;
  if (stop) {
    QZ_TRY(fields->decimal("stopPrice", true, &command->stop_price));
  } else {
    QZ_TRY(refuse("stopPrice"));
  }
  if (command->order_type == OrderType::limit_maker) {
    QZ_TRY(refuse("timeInForce"));
    return refuse("goodTillDate");
  }
  size_t tif = 0;
  QZ_TRY(fields->choice("timeInForce", true, kInputTifs, &tif));
  command->time_in_force = static_cast<OrderTif>(tif + 1);
  if (command->time_in_force != OrderTif::gtd) {
    if (fields->has("goodTillDate")) return fields->fail("goodTillDate", "is only for timeInForce GTD");
    return Status::ok();
  }
  if (!fields->has("goodTillDate")) {
    return fields->fail("goodTillDate", "is required with timeInForce GTD (the expiry, block time in ns)");
  }
  if (command->iceberg_qty.has_value()) {
    return fields->fail("icebergQty",
                        "cannot be combined with timeInForce GTD (the command has one field for "
                        "either)");
  }
  return fields->u64("goodTillDate", true, &command->good_till_ns);
}

// cancel_order and amend_order name their order by orderId or by origClientOrderId (exactly one, positive).
Status read_order_reference(Fields* fields, CommandText* command) {
  const bool by_id = fields->has("orderId");
  const bool by_client_id = fields->has("origClientOrderId");
  if (by_id && by_client_id) {
    return fields->fail("origClientOrderId", "and \"orderId\" cannot both be given: name the order by one");
  }
  if (!by_id && !by_client_id) {
    return fields->fail("orderId",
                        "is required but missing (name the order by \"orderId\" or "
                        "\"origClientOrderId\")");
  }
  const char* name = by_id ? "orderId" : "origClientOrderId";
  uint64_t* out = by_id ? &command->order_id : &command->client_order_id;
  QZ_TRY(fields->u64(name, true, out));
  if (*out == 0)
    return fields->fail(
        name, by_id ? "must be positive (order ids start at 1)" : "must be positive (0 is no client order id)");
  return Status::ok();
}

// --- The digital tenge (docs/money.md): commands built whole here, amounts at DKZT's scale 2 ------------------

constexpr std::array<std::string_view, 6> kWalletKindNames = {"individual", "merchant", "agency",
                                                             "contractor", "bank",     "central_bank"};  // 1-6
constexpr std::array<std::string_view, 2> kExpiryActionNames = {"return_to_issuer", "release_to_holder"};  // 1, 2
constexpr std::array<std::string_view, 3> kReleaseRuleNames = {"immediate", "milestone", "delayed"};       // 1-3
constexpr std::array<std::string_view, 3> kProgramStatusNames = {"active", "paused", "revoked"};           // 1-3

// A tenge amount (decimal text, scale 2) into *out; absent: ok, *out untouched.
Status tenge_field(Fields* fields, std::string_view name, bool required, int64_t* out) {
  bool present = false;
  std::string text;
  QZ_TRY(fields->amount(name, required, &present, &text));
  if (!present) return Status::ok();
  const DecimalError error = parse_decimal(text, 2, out);
  if (error != DecimalError::ok) {
    return fields->fail(name, "is not a digital tenge amount (scale 2): " + std::string(decimal_error_message(error)));
  }
  return Status::ok();
}

// A part of a money definition (program_terms, program_list, grant_tranches), before the command it completes.
CommandText money_part(const CommandText& head, CommandKind kind, const Command& payload) {
  CommandText part = head;
  part.kind = kind;
  part.request_id = 0;
  part.money = payload;
  part.money.kind = static_cast<uint16_t>(kind);
  return part;
}

// publish_program: its terms and limits as parts, each list in parts of at most a command's room, then the head.
Status parse_publish_program(Fields* fields, CommandText* head, InputLine* line) {
  std::string code;
  QZ_TRY(fields->string("code", true, &code));
  if (code.size() > sizeof PublishProgramPayload::code || code.find('\0') != std::string::npos) {
    return fields->fail("code", "must be 1-24 characters of A-Z, 0-9 and '-'");
  }
  uint64_t issuer = 0;
  uint64_t escrow = 0;
  QZ_TRY(fields->u64("issuer_wallet", true, &issuer));
  QZ_TRY(fields->u64("escrow_account", false, &escrow));
  head->money = make_publish_program(code, issuer, escrow);

  Command terms{};
  ProgramTermsPayload& t = terms.program_terms;
  const ProgramSpec defaults;
  t.expiry_action = static_cast<uint8_t>(defaults.expiry_action);
  t.release_rule = static_cast<uint8_t>(defaults.release_rule);
  t.terminal_kinds = defaults.terminal_kinds;
  QZ_TRY(fields->u64("valid_from_ns", false, &t.valid_from_ns));
  QZ_TRY(fields->u64("expires_at_ns", false, &t.expires_at_ns));
  QZ_TRY(fields->u64("attester", false, &t.attester));
  QZ_TRY(fields->u32("category_share_cap_bps", false, &t.category_share_cap_bps));
  size_t index = 0;
  if (fields->has("expiry_action")) {
    QZ_TRY(fields->choice("expiry_action", true, kExpiryActionNames, &index));
    t.expiry_action = static_cast<uint8_t>(index + 1);
  }
  if (fields->has("release_rule")) {
    QZ_TRY(fields->choice("release_rule", true, kReleaseRuleNames, &index));
    t.release_rule = static_cast<uint8_t>(index + 1);
  }
  if (fields->has("terminal_kinds")) {
    std::vector<std::string> kinds;
    QZ_TRY(fields->string_list("terminal_kinds", &kinds));
    t.terminal_kinds = 0;
    for (const std::string& kind : kinds) {
      const auto at = std::find(kWalletKindNames.begin(), kWalletKindNames.end(), kind);
      if (at == kWalletKindNames.end()) return fields->fail("terminal_kinds", "unknown wallet kind " + in_quotes(kind));
      t.terminal_kinds |= wallet_kind_bit(static_cast<WalletKind>(at - kWalletKindNames.begin() + 1));
    }
  }
  bool flag = false;
  QZ_TRY(fields->boolean("p2p_allowed", false, &flag));
  t.flags = flag ? kProgramP2p : 0;
  flag = false;
  QZ_TRY(fields->boolean("cash_out_allowed", false, &flag));
  t.flags |= flag ? kProgramCashOut : 0;
  line->commands.push_back(money_part(*head, CommandKind::program_terms, terms));

  Command limits{};
  ProgramLimitsPayload& l = limits.program_limits;
  QZ_TRY(tenge_field(fields, "per_payment_limit", false, &l.per_payment_limit_minor));
  QZ_TRY(tenge_field(fields, "period_limit", false, &l.period_limit_minor));
  QZ_TRY(fields->u64("period_ns", false, &l.period_ns));
  QZ_TRY(fields->u64("release_delay_ns", false, &l.release_delay_ns));
  if (l.per_payment_limit_minor != 0 || l.period_limit_minor != 0 || l.period_ns != 0 || l.release_delay_ns != 0) {
    line->commands.push_back(money_part(*head, CommandKind::program_limits, limits));
  }

  struct ListField {
    std::string_view name;
    ProgramListKind kind;
    uint64_t max;
    size_t room;  // entries per command
  };
  for (const ListField& field : {ListField{"allow", ProgramListKind::allow, UINT64_MAX, 4},
                                 ListField{"deny", ProgramListKind::deny, UINT64_MAX, 4},
                                 ListField{"categories", ProgramListKind::categories, UINT16_MAX, 16},
                                 ListField{"regions", ProgramListKind::regions, UINT16_MAX, 16},
                                 ListField{"eligible_classes", ProgramListKind::classes, UINT32_MAX, 8}}) {
    std::vector<uint64_t> values;
    QZ_TRY(fields->u64_list(field.name, field.max, &values));
    for (size_t at = 0; at < values.size(); at += field.room) {
      Command part{};
      ProgramListPayload& p = part.program_list;
      p.list = static_cast<uint8_t>(field.kind);
      for (size_t i = at; i < values.size() && i < at + field.room; i++, p.count++) {
        switch (field.kind) {
          case ProgramListKind::allow:
          case ProgramListKind::deny: p.wallets[p.count] = values[i]; break;
          case ProgramListKind::categories:
          case ProgramListKind::regions: p.codes[p.count] = static_cast<uint16_t>(values[i]); break;
          case ProgramListKind::classes: p.classes[p.count] = static_cast<uint32_t>(values[i]); break;
        }
      }
      line->commands.push_back(money_part(*head, CommandKind::program_list, part));
    }
  }
  return Status::ok();
}

// The other money commands; publish_program and grant may push their parts onto the line first.
Status parse_money(Fields* fields, CommandText* command, InputLine* line) {
  Command& c = command->money;
  switch (command->kind) {
    case CommandKind::define_wallet_class: {
      uint8_t kyc = 0;
      QZ_TRY(fields->u8("kyc_level", true, &kyc));
      c = make_define_wallet_class(kyc, 0, 0, 0, 0);
      QZ_TRY(tenge_field(fields, "balance_cap", false, &c.define_wallet_class.balance_cap_minor));
      QZ_TRY(tenge_field(fields, "per_payment_limit", false, &c.define_wallet_class.per_payment_limit_minor));
      QZ_TRY(tenge_field(fields, "daily_limit", false, &c.define_wallet_class.daily_limit_minor));
      QZ_TRY(tenge_field(fields, "annual_limit", false, &c.define_wallet_class.annual_limit_minor));
      return Status::ok();
    }
    case CommandKind::open_wallet: {
      OpenWalletPayload p{};
      QZ_TRY(fields->u64("owner", true, &p.owner));
      size_t kind = 0;
      QZ_TRY(fields->choice("kind", true, kWalletKindNames, &kind));
      p.kind = static_cast<uint8_t>(kind + 1);
      QZ_TRY(fields->u64("account", false, &p.account));
      QZ_TRY(fields->u32("wallet_class", false, &p.wallet_class));
      uint32_t mcc = 0;
      uint32_t region = 0;
      QZ_TRY(fields->u32("mcc", false, &mcc));
      QZ_TRY(fields->u32("region", false, &region));
      if (mcc > UINT16_MAX) return fields->fail("mcc", "must be 1-9999");
      if (region > UINT16_MAX) return fields->fail("region", "must fit in 16 bits");
      p.mcc = static_cast<uint16_t>(mcc);
      p.region = static_cast<uint16_t>(region);
      QZ_TRY(fields->u64("linked_account", false, &p.linked_account));
      bool waterfall = false;
      bool reverse = false;
      QZ_TRY(fields->boolean("waterfall", false, &waterfall));
      QZ_TRY(fields->boolean("reverse_waterfall", false, &reverse));
      p.flags = static_cast<uint8_t>((waterfall ? kWalletWaterfall : 0) | (reverse ? kWalletReverseWaterfall : 0));
      c = make_open_wallet(p);
      return Status::ok();
    }
    case CommandKind::publish_program: return parse_publish_program(fields, command, line);
    case CommandKind::issue_cbdc:
    case CommandKind::redeem_cbdc: {
      uint64_t bank = 0;
      int64_t amount = 0;
      QZ_TRY(fields->u64("bank_wallet", true, &bank));
      QZ_TRY(tenge_field(fields, "amount", true, &amount));
      c = command->kind == CommandKind::issue_cbdc ? make_issue_cbdc(bank, amount) : make_redeem_cbdc(bank, amount);
      return Status::ok();
    }
    case CommandKind::grant: {
      uint32_t program = 0;
      uint64_t holder = 0;
      int64_t amount = 0;
      QZ_TRY(fields->u32("program", true, &program));
      QZ_TRY(fields->u64("holder", true, &holder));
      QZ_TRY(tenge_field(fields, "amount", true, &amount));
      c = make_grant(program, holder, amount);
      std::vector<std::string> tranches;
      QZ_TRY(fields->string_list("tranches", &tranches));
      for (size_t at = 0; at < tranches.size(); at += 4) {
        Command part{};
        GrantTranchesPayload& p = part.grant_tranches;
        for (size_t i = at; i < tranches.size() && i < at + 4; i++, p.count++) {
          const DecimalError error = parse_decimal(tranches[i], 2, &p.amounts_minor[p.count]);
          if (error != DecimalError::ok) {
            return fields->fail("tranches", "entry " + std::to_string(i) + ": " + decimal_error_message(error));
          }
        }
        line->commands.push_back(money_part(*command, CommandKind::grant_tranches, part));
      }
      return Status::ok();
    }
    case CommandKind::pay: {
      uint64_t payer = 0;
      uint64_t payee = 0;
      uint64_t exchange = 0;
      int64_t amount = 0;
      QZ_TRY(fields->u64("payer", true, &payer));
      QZ_TRY(fields->u64("payee", true, &payee));
      QZ_TRY(tenge_field(fields, "amount", true, &amount));
      QZ_TRY(fields->u64("exchange_account", false, &exchange));
      c = make_pay(0, payer, payee, amount, exchange);
      return Status::ok();
    }
    case CommandKind::attest_release:
    case CommandKind::dispute_release:
    case CommandKind::cancel_release: {
      uint64_t release = 0;
      QZ_TRY(fields->u64("release", true, &release));
      c = make_release_command(command->kind, release);
      return Status::ok();
    }
    case CommandKind::set_program_status: {
      uint32_t program = 0;
      size_t status = 0;
      QZ_TRY(fields->u32("program", true, &program));
      QZ_TRY(fields->choice("status", true, kProgramStatusNames, &status));
      c = make_set_program_status(program, static_cast<uint8_t>(status + 1));
      return Status::ok();
    }
    case CommandKind::set_exchange_link: {
      uint64_t venue = 0;
      uint64_t tenge = 0;
      QZ_TRY(fields->u64("venue_wallet", true, &venue));
      QZ_TRY(fields->u64("tenge_account", true, &tenge));
      c = make_set_exchange_link(venue, tenge);
      return Status::ok();
    }
    default: break;
  }
  QZ_ASSERT_MSG(false, "parse_money given a command that is not the digital tenge's");
  return Status::error("internal: not a money command");
}

// Parses one command object. `defaults` carries actor and role inherited from an enclosing linked group.
// `fixed` (non-empty: parse_fixed_command) is the only command allowed: `cmd` may be left out, and the caller
// sets actor and role, so the object may not.
Status parse_command(element value, uint64_t line_number, const std::string& where, const CommandText& defaults,
                     InputLine* line, std::string_view fixed = {});

Status parse_linked(Fields* fields, uint64_t line_number, const CommandText& defaults, InputLine* line) {
  if (fields->has("request_id")) {
    return fields->fail("request_id", "belongs on the members of a linked group, not on the group");
  }
  QZ_TRY(fields->check_known("linked", {"commands", "actor", "role"}, false));
  CommandText group_defaults = defaults;
  QZ_TRY(read_envelope(fields, false, &group_defaults));
  const element* members = fields->find("commands");
  if (members == nullptr) return fields->missing("commands");
  simdjson::dom::array array;
  if (members->get_array().get(array) != simdjson::SUCCESS) {
    return fields->fail("commands",
                        std::string("must be an array of command objects, got ") + type_name(members->type()));
  }
  if (array.size() == 0) return fields->fail("commands", "must hold at least one command");
  if (array.size() > kMaxLineCommands) {
    return fields->fail("commands", "holds " + std::to_string(array.size()) +
                                        " commands; a linked group may hold at most " +
                                        std::to_string(kMaxLineCommands) + " (it must fit in one block)");
  }
  line->linked = true;
  size_t index = 0;
  for (element member : array) {
    QZ_TRY(parse_command(member, line_number, "commands[" + std::to_string(index) + "]", group_defaults, line));
    index++;
  }
  return Status::ok();
}

Status parse_command(element value, uint64_t line_number, const std::string& where, const CommandText& defaults,
                     InputLine* line, std::string_view fixed) {
  Fields fields(line_number, where);
  QZ_TRY(fields.load(value));
  std::string name;
  if (!fixed.empty()) {
    name = fixed;
    QZ_TRY(fields.string("cmd", false, &name));
    if (name != fixed) return fields.fail("cmd", "this route takes " + in_quotes(fixed) + ", not " + in_quotes(name));
    for (std::string_view identity : {"actor", "role"}) {
      if (fields.has(identity)) {
        return fields.fail(identity, "comes from the API key that signs the request; leave it out");
      }
    }
  } else {
    QZ_TRY(fields.string("cmd", true, &name));
  }
  if (name == "linked") {
    if (!where.empty()) return fields.fail("cmd", "a linked group cannot hold another linked group");
    return parse_linked(&fields, line_number, defaults, line);
  }
  const KindSpec* spec = nullptr;
  for (const KindSpec& candidate : kind_specs()) {
    if (candidate.name == name) spec = &candidate;
  }
  if (spec == nullptr) {
    return fields.fail("cmd", "unknown command " + in_quotes(name) +
                                  " (commands: create_asset, open_account, transfer, hold, post, void, create_market,"
                                  " set_market_rules, set_market_status, set_fee_tier, place_order, cancel_order,"
                                  " amend_order, cancel_all, register_client, update_client, set_client_status,"
                                  " set_client_policy, set_conversion_rate, set_tier_limits, set_retail_cap, set_engine_rules,"
                                  " define_wallet_class, open_wallet, publish_program, issue_cbdc, redeem_cbdc,"
                                  " grant, pay, attest_release, dispute_release, cancel_release,"
                                  " set_program_status, set_exchange_link, linked)");
  }
  QZ_TRY(fields.check_known(spec->name, spec->fields, true));

  CommandText command = defaults;
  command.kind = spec->kind;
  command.where = where;
  command.request_id = 0;
  QZ_TRY(read_envelope(&fields, true, &command));

  switch (spec->kind) {
    case CommandKind::create_asset: {
      QZ_TRY(fields.string("code", true, &command.code));
      if (command.code.size() > kAssetCodeSize) {
        return fields.fail("code", "is " + std::to_string(command.code.size()) + " characters; at most " +
                                       std::to_string(kAssetCodeSize) + " fit in a command");
      }
      if (command.code.find('\0') != std::string::npos) return fields.fail("code", "must not contain a NUL character");
      uint64_t scale = 0;
      QZ_TRY(fields.u64("scale", true, &scale));
      if (scale > 255) {
        return fields.fail("scale", "must fit in one byte (the ledger accepts 0-18), got " + std::to_string(scale));
      }
      command.scale = static_cast<uint8_t>(scale);
      break;
    }
    case CommandKind::open_account: {
      QZ_TRY(fields.u64("owner", true, &command.owner));
      QZ_TRY(fields.string("asset", true, &command.asset));
      std::string kind;
      QZ_TRY(fields.string("kind", true, &kind));
      if (!account_kind_from_name(kind, &command.account_kind)) {
        return fields.fail("kind", "unknown account kind " + in_quotes(kind) +
                                       " (kinds: customer, custody, fee_income, issuance, escrow)");
      }
      break;
    }
    case CommandKind::transfer:
      QZ_TRY(fields.u64("debit", true, &command.debit));
      QZ_TRY(fields.u64("credit", true, &command.credit));
      QZ_TRY(fields.amount("amount", true, &command.has_amount, &command.amount));
      QZ_TRY(fields.u64("reference", false, &command.reference));
      break;
    case CommandKind::hold: {
      QZ_TRY(fields.u64("account", true, &command.account));
      QZ_TRY(fields.u64("credit", false, &command.credit));
      QZ_TRY(fields.amount("amount", true, &command.has_amount, &command.amount));
      uint64_t timeout_ms = 0;
      QZ_TRY(fields.u64("timeout_ms", false, &timeout_ms));
      if (timeout_ms > UINT64_MAX / 1'000'000u) {
        return fields.fail("timeout_ms",
                           "is too large: " + std::to_string(timeout_ms) + " ms does not fit in nanoseconds");
      }
      command.timeout_ns = timeout_ms * 1'000'000u;
      QZ_TRY(fields.u64("reference", false, &command.reference));
      break;
    }
    case CommandKind::post_hold:
      QZ_TRY(fields.u64("hold", true, &command.hold));
      QZ_TRY(fields.u64("credit", false, &command.credit));
      QZ_TRY(fields.amount("amount", false, &command.has_amount, &command.amount));
      break;
    case CommandKind::void_hold:
      QZ_TRY(fields.u64("hold", true, &command.hold));
      QZ_TRY(fields.amount("amount", false, &command.has_amount, &command.amount));
      break;
    case CommandKind::create_market:
      QZ_TRY(fields.string("base", true, &command.base_asset));
      QZ_TRY(fields.string("quote", true, &command.quote_asset));
      QZ_TRY(fields.decimal("tick_size", true, &command.tick_size));
      QZ_TRY(fields.decimal("lot_step", true, &command.lot_step));
      QZ_TRY(fields.decimal("min_qty", true, &command.min_qty));
      QZ_TRY(fields.decimal("max_qty", true, &command.max_qty));
      break;
    case CommandKind::set_market_rules:
      QZ_TRY(fields.u32("market", true, &command.market));
      QZ_TRY(fields.u32("band_bps", false, &command.band_bps));
      QZ_TRY(fields.decimal("min_notional", false, &command.min_notional));
      QZ_TRY(fields.u32("maker_fee_bps", true, &command.maker_fee_bps));
      QZ_TRY(fields.u32("taker_fee_bps", true, &command.taker_fee_bps));
      QZ_TRY(fields.u64("fee_account_base", true, &command.fee_account_base));
      QZ_TRY(fields.u64("fee_account_quote", true, &command.fee_account_quote));
      break;
    case CommandKind::set_market_status: {
      QZ_TRY(fields.u32("market", true, &command.market));
      size_t status = 0;
      QZ_TRY(fields.choice("status", true, kMarketStatusNames, &status));
      command.market_status = static_cast<uint8_t>(status + 1);
      QZ_TRY(fields.decimal("reference_price", false, &command.reference_price));
      break;
    }
    case CommandKind::set_fee_tier:
      QZ_TRY(fields.u32("market", true, &command.market));
      QZ_TRY(fields.u8("index", true, &command.tier_index));
      QZ_TRY(fields.u8("count", true, &command.tier_count));
      QZ_TRY(fields.decimal("min_30d_volume", false, &command.min_volume));
      QZ_TRY(fields.u32("maker_fee_bps", true, &command.maker_fee_bps));
      QZ_TRY(fields.u32("taker_fee_bps", true, &command.taker_fee_bps));
      break;
    case CommandKind::place_order: QZ_TRY(parse_place_order(&fields, &command)); break;
    case CommandKind::cancel_order:
    case CommandKind::amend_order:
      QZ_TRY(fields.u32("market", true, &command.market));
      QZ_TRY(read_order_reference(&fields, &command));
      if (spec->kind == CommandKind::amend_order) QZ_TRY(fields.decimal("newQty", true, &command.new_qty));
      break;
    case CommandKind::cancel_all: QZ_TRY(fields.u32("market", true, &command.market)); break;
    case CommandKind::tag_order: break;  // a gateway's command: not in exec's table, so never read here
    case CommandKind::register_client:
    case CommandKind::update_client: {
      QZ_TRY(fields.u64("client", true, &command.client));
      size_t classification = 0;
      QZ_TRY(fields.choice("class", true, kClientClassNames, &classification));
      command.client_class = static_cast<uint8_t>(classification + 1);
      QZ_TRY(fields.u8("kyc_tier", true, &command.kyc_tier));
      std::string residence;
      std::string nationality;
      QZ_TRY(fields.string("residence", true, &residence));
      QZ_TRY(fields.string("nationality", true, &nationality));
      if (residence.size() != 2) return fields.fail("residence", "must be a two-letter country code");
      if (nationality.size() != 2) return fields.fail("nationality", "must be a two-letter country code");
      std::memcpy(command.residence, residence.data(), 2);
      std::memcpy(command.nationality, nationality.data(), 2);
      QZ_TRY(fields.boolean("knowledge_test", false, &command.knowledge_test));
      break;
    }
    case CommandKind::set_client_status: {
      QZ_TRY(fields.u64("client", true, &command.client));
      size_t status = 0;
      QZ_TRY(fields.choice("status", true, kClientStatusNames, &status));
      command.client_status = static_cast<uint8_t>(status + 2);
      size_t reason = 0;
      QZ_TRY(fields.choice("reason", true, kClientReasonNames, &reason));
      command.client_reason = static_cast<uint16_t>(reason + 1);
      break;
    }
    case CommandKind::set_client_policy:
      QZ_TRY(fields.boolean("require_registered", true, &command.require_registered));
      break;
    case CommandKind::set_conversion_rate:
      QZ_TRY(fields.string("asset", true, &command.asset));
      QZ_TRY(fields.decimal("rate", true, &command.rate));
      break;
    case CommandKind::set_tier_limits: {
      QZ_TRY(fields.u8("tier", true, &command.kyc_tier));
      size_t kind = 0;
      QZ_TRY(fields.choice("kind", true, kLimitKindNames, &kind));
      command.limit_kind = static_cast<uint8_t>(kind + 1);
      QZ_TRY(fields.decimal("daily", false, &command.daily));
      QZ_TRY(fields.decimal("monthly", false, &command.monthly));
      break;
    }
    case CommandKind::set_retail_cap: {
      QZ_TRY(fields.decimal("usd", true, &command.cap_usd));
      std::string residence;
      QZ_TRY(fields.string("residence", false, &residence));
      if (!residence.empty() && residence.size() != 2) {
        return fields.fail("residence", "must be a two-letter country code");
      }
      std::memcpy(command.residence, residence.data(), residence.size());
      break;
    }
    case CommandKind::set_engine_rules:
      QZ_TRY(fields.u32("version", true, &command.rules_version));
      break;
    default: {
      QZ_ASSERT_MSG(is_money_command(spec->kind), "a command kind without a parser");
      const size_t before = line->commands.size();
      QZ_TRY(parse_money(&fields, &command, line));
      // Parts pushed before the command make the line a group of its own (a money command stands alone).
      if (line->commands.size() != before) {
        if (!where.empty()) return fields.fail_here(std::string(spec->name) + " with parts cannot be in a linked group");
        line->linked = true;
      }
      break;
    }
  }
  line->commands.push_back(std::move(command));
  return Status::ok();
}

}  // namespace

bool is_blank_line(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

bool account_kind_from_name(std::string_view name, AccountKind* out) {
  for (uint8_t kind = 1; kind <= kMaxAccountKind; kind++) {
    if (name == account_kind_name(static_cast<AccountKind>(kind))) {
      *out = static_cast<AccountKind>(kind);
      return true;
    }
  }
  return false;
}

bool role_from_name(std::string_view name, Role* out) {
  for (uint8_t role = 1; role <= kMaxRole; role++) {
    if (name == role_name(static_cast<Role>(role))) {
      *out = static_cast<Role>(role);
      return true;
    }
  }
  return false;
}

const char* order_side_name(uint8_t side) { return side < kSideNames.size() ? kSideNames[side].data() : ""; }

const char* order_type_name(uint8_t type) {
  switch (static_cast<OrderType>(type)) {
    case OrderType::limit: return "LIMIT";
    case OrderType::limit_maker: return "LIMIT_MAKER";
    case OrderType::market: return "MARKET";
    case OrderType::market_by_quote: return "MARKET_BY_QUOTE";
    case OrderType::stop_loss_limit: return "STOP_LOSS_LIMIT";
    case OrderType::take_profit_limit: return "TAKE_PROFIT_LIMIT";
  }
  return "";
}

const char* order_tif_name(uint8_t tif) { return tif < kTifNames.size() ? kTifNames[tif].data() : ""; }

const char* stp_mode_name(uint8_t mode) { return mode < kStpNames.size() ? kStpNames[mode].data() : ""; }

const char* market_status_name(uint8_t status) {
  return status >= 1 && status <= kMarketStatusNames.size() ? kMarketStatusNames[status - 1].data() : "";
}

const char* expiry_action_name(uint8_t action) {
  return action >= 1 && action <= kExpiryActionNames.size() ? kExpiryActionNames[action - 1].data() : "";
}

const char* release_rule_name(uint8_t rule) {
  return rule >= 1 && rule <= kReleaseRuleNames.size() ? kReleaseRuleNames[rule - 1].data() : "";
}

Status parse_input_line(std::string_view text, uint64_t line_number, InputLine* out) {
  *out = InputLine{};
  out->line_number = line_number;
  // One parser per thread, reused across lines: it keeps its buffers.
  thread_local simdjson::dom::parser parser;
  element document;
  const simdjson::error_code error = parser.parse(text.data(), text.size(), true).get(document);
  if (error != simdjson::SUCCESS) {
    return Status::error("line " + std::to_string(line_number) + ": malformed JSON: " + simdjson::error_message(error));
  }
  return parse_command(document, line_number, "", CommandText{}, out);
}

Status parse_fixed_command(std::string_view text, std::string_view cmd, InputLine* out) {
  QZ_ASSERT(!cmd.empty() && cmd != "linked");
  *out = InputLine{};
  thread_local simdjson::dom::parser parser;
  element document;
  const simdjson::error_code error = parser.parse(text.data(), text.size(), true).get(document);
  if (error != simdjson::SUCCESS) {
    return Status::error(std::string("malformed JSON: ") + simdjson::error_message(error));
  }
  return parse_command(document, 0, "", CommandText{}, out, cmd);
}

Status parse_input(std::string_view text, std::vector<InputLine>* out) {
  out->clear();
  uint64_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    line_number++;
    if (!is_blank_line(line)) {
      InputLine parsed;
      QZ_TRY(parse_input_line(line, line_number, &parsed));
      out->push_back(std::move(parsed));
    }
    start = end + 1;
  }
  return Status::ok();
}

}  // namespace qz::app
