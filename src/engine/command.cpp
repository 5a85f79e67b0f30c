#include "engine/command.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace qz {

namespace {

Command blank(CommandKind kind) {
  Command command;
  std::memset(&command, 0, sizeof command);
  command.kind = static_cast<uint16_t>(kind);
  command.role = static_cast<uint8_t>(Role::operator_);
  return command;
}

// OR of the bytes, eight at a time: every command is checked, so this is on the engine's hot path.
bool all_zero(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes + i, 8);
    any |= word;
  }
  for (; i < size; i++) any |= bytes[i];
  return any == 0;
}

// An order command: role customer, the given actor.
Command customer_command(CommandKind kind, uint64_t actor) {
  Command command = blank(kind);
  command.role = static_cast<uint8_t>(Role::customer);
  command.actor = actor;
  return command;
}

// 1-36 characters of A-Z a-z 0-9 _ -.
bool client_order_id_valid(const TagOrderPayload& p) {
  if (p.length == 0 || p.length > kClientOrderIdMax) return false;
  for (size_t i = 0; i < p.length; i++) {
    const char c = p.text[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A known list, a count within its entries' room, and nothing past the count.
bool program_list_well_formed(const ProgramListPayload& p) {
  size_t entry_size = 0;
  switch (static_cast<ProgramListKind>(p.list)) {
    case ProgramListKind::allow:
    case ProgramListKind::deny: entry_size = 8; break;
    case ProgramListKind::categories:
    case ProgramListKind::regions: entry_size = 2; break;
    case ProgramListKind::classes: entry_size = 4; break;
    default: return false;
  }
  const size_t room = sizeof p.wallets / entry_size;
  if (p.count == 0 || p.count > room || !all_zero(p.zero, sizeof p.zero)) return false;
  const auto* entries = reinterpret_cast<const uint8_t*>(p.wallets);
  return all_zero(entries + p.count * entry_size, (room - p.count) * entry_size);
}

}  // namespace

Command make_create_asset(std::string_view code, uint8_t scale) {
  Command command = blank(CommandKind::create_asset);
  std::memcpy(command.create_asset.code, code.data(), std::min(code.size(), kAssetCodeSize));
  command.create_asset.scale = scale;
  return command;
}

Command make_open_account(uint64_t owner, uint32_t asset, AccountKind kind) {
  Command command = blank(CommandKind::open_account);
  command.open_account.owner = owner;
  command.open_account.asset = asset;
  command.open_account.kind = static_cast<uint8_t>(kind);
  return command;
}

Command make_transfer(uint64_t debit, uint64_t credit, int64_t amount_minor) {
  Command command = blank(CommandKind::transfer);
  command.transfer.debit = debit;
  command.transfer.credit = credit;
  command.transfer.amount_minor = amount_minor;
  return command;
}

Command make_hold(uint64_t account, uint64_t credit, int64_t amount_minor, uint64_t timeout_ns) {
  Command command = blank(CommandKind::hold);
  command.hold.account = account;
  command.hold.credit = credit;
  command.hold.amount_minor = amount_minor;
  command.hold.timeout_ns = timeout_ns;
  return command;
}

Command make_post_hold(uint64_t hold, uint64_t credit, int64_t amount_minor) {
  Command command = blank(CommandKind::post_hold);
  command.post_hold.hold = hold;
  command.post_hold.credit = credit;
  command.post_hold.amount_minor = amount_minor;
  return command;
}

Command make_void_hold(uint64_t hold, int64_t amount_minor) {
  Command command = blank(CommandKind::void_hold);
  command.void_hold.hold = hold;
  command.void_hold.amount_minor = amount_minor;
  return command;
}

Command make_create_market(uint32_t base, uint32_t quote, int64_t tick_size, int64_t lot_step, int64_t min_qty,
                           int64_t max_qty) {
  Command command = blank(CommandKind::create_market);
  command.create_market = CreateMarketPayload{.base = base, .quote = quote, .tick_size = tick_size,
                                              .lot_step = lot_step, .min_qty = min_qty, .max_qty = max_qty};
  return command;
}

Command make_set_market_rules(uint32_t market, uint32_t band_bps, int64_t min_notional, uint32_t maker_fee_bps,
                              uint32_t taker_fee_bps, uint64_t fee_account_base, uint64_t fee_account_quote) {
  Command command = blank(CommandKind::set_market_rules);
  command.set_market_rules = SetMarketRulesPayload{.market = market, .band_bps = band_bps,
                                                   .min_notional = min_notional, .maker_fee_bps = maker_fee_bps,
                                                   .taker_fee_bps = taker_fee_bps,
                                                   .fee_account_base = fee_account_base,
                                                   .fee_account_quote = fee_account_quote};
  return command;
}

Command make_set_market_status(uint32_t market, uint8_t status, int64_t reference_price_minor) {
  Command command = blank(CommandKind::set_market_status);
  command.set_market_status.market = market;
  command.set_market_status.status = status;
  command.set_market_status.reference_price_minor = reference_price_minor;
  return command;
}

Command make_set_fee_tier(uint32_t market, uint8_t index, uint8_t count, int64_t min_volume_quote_minor,
                          uint32_t maker_fee_bps, uint32_t taker_fee_bps) {
  Command command = blank(CommandKind::set_fee_tier);
  command.set_fee_tier.market = market;
  command.set_fee_tier.index = index;
  command.set_fee_tier.count = count;
  command.set_fee_tier.min_30d_volume_quote_minor = min_volume_quote_minor;
  command.set_fee_tier.maker_fee_bps = maker_fee_bps;
  command.set_fee_tier.taker_fee_bps = taker_fee_bps;
  return command;
}

Command make_place_order(uint64_t actor, uint32_t market, OrderSideCode side, OrderType type, OrderTif tif,
                         int64_t price_minor, int64_t qty_minor) {
  Command command = customer_command(CommandKind::place_order, actor);
  command.place_order.market = market;
  command.place_order.side = static_cast<uint8_t>(side);
  command.place_order.type = static_cast<uint8_t>(type);
  command.place_order.time_in_force = static_cast<uint8_t>(tif);
  command.place_order.price_minor = price_minor;
  command.place_order.qty_minor = qty_minor;
  return command;
}

Command make_cancel_order(uint64_t actor, uint32_t market, uint64_t order_id, uint64_t client_order_id) {
  Command command = customer_command(CommandKind::cancel_order, actor);
  command.cancel_order.market = market;
  command.cancel_order.order_id = order_id;
  command.cancel_order.client_order_id = client_order_id;
  return command;
}

Command make_amend_order(uint64_t actor, uint32_t market, uint64_t order_id, int64_t new_qty_minor) {
  Command command = customer_command(CommandKind::amend_order, actor);
  command.amend_order.market = market;
  command.amend_order.order_id = order_id;
  command.amend_order.new_qty_minor = new_qty_minor;
  return command;
}

Command make_tag_order(uint64_t actor, std::string_view text) {
  QZ_ASSERT(text.size() <= kClientOrderIdMax);
  Command command = customer_command(CommandKind::tag_order, actor);
  command.tag_order.length = static_cast<uint8_t>(text.size());
  std::memcpy(command.tag_order.text, text.data(), text.size());
  return command;
}

Command make_cancel_all(uint64_t actor, uint32_t market) {
  Command command = customer_command(CommandKind::cancel_all, actor);
  command.cancel_all.market = market;
  return command;
}

Command make_define_wallet_class(uint8_t kyc_level, int64_t balance_cap_minor, int64_t per_payment_limit_minor,
                                 int64_t daily_limit_minor, int64_t annual_limit_minor) {
  Command command = blank(CommandKind::define_wallet_class);
  command.define_wallet_class.kyc_level = kyc_level;
  command.define_wallet_class.balance_cap_minor = balance_cap_minor;
  command.define_wallet_class.per_payment_limit_minor = per_payment_limit_minor;
  command.define_wallet_class.daily_limit_minor = daily_limit_minor;
  command.define_wallet_class.annual_limit_minor = annual_limit_minor;
  return command;
}

Command make_open_wallet(const OpenWalletPayload& wallet) {
  Command command = blank(CommandKind::open_wallet);
  command.open_wallet = wallet;
  return command;
}

Command make_publish_program(std::string_view code, uint64_t issuer_wallet, uint64_t escrow_account) {
  Command command = blank(CommandKind::publish_program);
  std::memcpy(command.publish_program.code, code.data(), std::min(code.size(), sizeof command.publish_program.code));
  command.publish_program.issuer_wallet = issuer_wallet;
  command.publish_program.escrow_account = escrow_account;
  return command;
}

namespace {

Command cbdc_amount_command(CommandKind kind, uint64_t bank_wallet, int64_t amount_minor) {
  Command command = blank(kind);
  command.role = static_cast<uint8_t>(Role::central_bank);
  command.cbdc_amount.bank_wallet = bank_wallet;
  command.cbdc_amount.amount_minor = amount_minor;
  return command;
}

}  // namespace

Command make_issue_cbdc(uint64_t bank_wallet, int64_t amount_minor) {
  return cbdc_amount_command(CommandKind::issue_cbdc, bank_wallet, amount_minor);
}

Command make_redeem_cbdc(uint64_t bank_wallet, int64_t amount_minor) {
  return cbdc_amount_command(CommandKind::redeem_cbdc, bank_wallet, amount_minor);
}

Command make_grant(uint32_t program, uint64_t holder, int64_t amount_minor) {
  Command command = blank(CommandKind::grant);
  command.grant.program = program;
  command.grant.holder = holder;
  command.grant.amount_minor = amount_minor;
  return command;
}

Command make_pay(uint64_t actor, uint64_t payer, uint64_t payee, int64_t amount_minor, uint64_t exchange_account) {
  Command command = customer_command(CommandKind::pay, actor);
  command.pay.payer = payer;
  command.pay.payee = payee;
  command.pay.amount_minor = amount_minor;
  command.pay.exchange_account = exchange_account;
  return command;
}

Command make_release_command(CommandKind kind, uint64_t release) {
  QZ_ASSERT(kind == CommandKind::attest_release || kind == CommandKind::dispute_release ||
            kind == CommandKind::cancel_release);
  Command command = blank(kind);
  command.release.release = release;
  return command;
}

Command make_set_program_status(uint32_t program, uint8_t status) {
  Command command = blank(CommandKind::set_program_status);
  command.set_program_status.program = program;
  command.set_program_status.status = status;
  return command;
}

Command make_set_exchange_link(uint64_t venue_wallet, uint64_t tenge_account) {
  Command command = blank(CommandKind::set_exchange_link);
  command.set_exchange_link.venue_wallet = venue_wallet;
  command.set_exchange_link.tenge_account = tenge_account;
  return command;
}

namespace {

Command client_facts_command(CommandKind kind, uint64_t client, uint8_t classification, uint8_t kyc_tier,
                             const char residence[2], const char nationality[2], bool knowledge_test) {
  Command command = blank(kind);
  command.client_facts.client = client;
  command.client_facts.classification = classification;
  command.client_facts.kyc_tier = kyc_tier;
  std::memcpy(command.client_facts.residence, residence, 2);
  std::memcpy(command.client_facts.nationality, nationality, 2);
  command.client_facts.knowledge_test = knowledge_test ? 1 : 0;
  return command;
}

}  // namespace

Command make_register_client(uint64_t client, uint8_t classification, uint8_t kyc_tier, const char residence[2],
                             const char nationality[2], bool knowledge_test) {
  return client_facts_command(CommandKind::register_client, client, classification, kyc_tier, residence,
                              nationality, knowledge_test);
}

Command make_update_client(uint64_t client, uint8_t classification, uint8_t kyc_tier, const char residence[2],
                           const char nationality[2], bool knowledge_test) {
  return client_facts_command(CommandKind::update_client, client, classification, kyc_tier, residence,
                              nationality, knowledge_test);
}

Command make_set_client_status(uint64_t client, uint8_t status, uint16_t reason) {
  Command command = blank(CommandKind::set_client_status);
  command.set_client_status.client = client;
  command.set_client_status.status = status;
  command.set_client_status.reason = reason;
  return command;
}

Command make_set_client_policy(bool require_registered) {
  Command command = blank(CommandKind::set_client_policy);
  command.set_client_policy.require_registered = require_registered ? 1 : 0;
  return command;
}

Command make_set_conversion_rate(uint32_t asset, int64_t tiyn_per_unit) {
  Command command = blank(CommandKind::set_conversion_rate);
  command.set_conversion_rate.asset = asset;
  command.set_conversion_rate.tiyn_per_unit = tiyn_per_unit;
  return command;
}

Command make_set_tier_limits(uint8_t tier, uint8_t limit_kind, int64_t daily_tiyn, int64_t monthly_tiyn) {
  Command command = blank(CommandKind::set_tier_limits);
  command.set_tier_limits.tier = tier;
  command.set_tier_limits.limit_kind = limit_kind;
  command.set_tier_limits.daily_tiyn = daily_tiyn;
  command.set_tier_limits.monthly_tiyn = monthly_tiyn;
  return command;
}

Command make_set_retail_cap(int64_t usd_cents, const char residence[2]) {
  Command command = blank(CommandKind::set_retail_cap);
  command.set_retail_cap.usd_cents = usd_cents;
  std::memcpy(command.set_retail_cap.residence, residence, 2);
  return command;
}

Command make_set_engine_rules(uint32_t version) {
  Command command = blank(CommandKind::set_engine_rules);
  command.set_engine_rules.version = version;
  return command;
}

const char* command_kind_name(CommandKind kind) {
  switch (kind) {
    case CommandKind::create_asset: return "create_asset";
    case CommandKind::open_account: return "open_account";
    case CommandKind::transfer: return "transfer";
    case CommandKind::hold: return "hold";
    case CommandKind::post_hold: return "post_hold";
    case CommandKind::void_hold: return "void_hold";
    case CommandKind::set_engine_rules: return "set_engine_rules";
    case CommandKind::create_market: return "create_market";
    case CommandKind::set_market_rules: return "set_market_rules";
    case CommandKind::set_market_status: return "set_market_status";
    case CommandKind::set_fee_tier: return "set_fee_tier";
    case CommandKind::place_order: return "place_order";
    case CommandKind::cancel_order: return "cancel_order";
    case CommandKind::amend_order: return "amend_order";
    case CommandKind::cancel_all: return "cancel_all";
    case CommandKind::tag_order: return "tag_order";
    case CommandKind::register_client: return "register_client";
    case CommandKind::update_client: return "update_client";
    case CommandKind::set_client_status: return "set_client_status";
    case CommandKind::set_client_policy: return "set_client_policy";
    case CommandKind::set_conversion_rate: return "set_conversion_rate";
    case CommandKind::set_tier_limits: return "set_tier_limits";
    case CommandKind::set_retail_cap: return "set_retail_cap";
    case CommandKind::define_wallet_class: return "define_wallet_class";
    case CommandKind::open_wallet: return "open_wallet";
    case CommandKind::program_terms: return "program_terms";
    case CommandKind::program_limits: return "program_limits";
    case CommandKind::program_list: return "program_list";
    case CommandKind::publish_program: return "publish_program";
    case CommandKind::issue_cbdc: return "issue_cbdc";
    case CommandKind::redeem_cbdc: return "redeem_cbdc";
    case CommandKind::grant_tranches: return "grant_tranches";
    case CommandKind::grant: return "grant";
    case CommandKind::pay: return "pay";
    case CommandKind::attest_release: return "attest_release";
    case CommandKind::dispute_release: return "dispute_release";
    case CommandKind::cancel_release: return "cancel_release";
    case CommandKind::set_program_status: return "set_program_status";
    case CommandKind::set_exchange_link: return "set_exchange_link";
  }
  return "unknown";
}

Result validate_command(const Command& command) {
  bool unused_zero = true;
  switch (command.command_kind()) {
    case CommandKind::create_asset: {
      // The code is NUL-padded: everything after its first NUL is padding and must be zero.
      const size_t length = strnlen(command.create_asset.code, kAssetCodeSize);
      unused_zero = all_zero(command.create_asset.code + length, kAssetCodeSize - length) &&
                    all_zero(command.create_asset.zero, sizeof command.create_asset.zero);
      break;
    }
    case CommandKind::open_account:
      unused_zero = all_zero(command.open_account.zero, sizeof command.open_account.zero);
      break;
    case CommandKind::transfer: unused_zero = command.transfer.zero == 0; break;
    case CommandKind::hold: unused_zero = true; break;
    case CommandKind::post_hold:
      unused_zero = all_zero(command.post_hold.zero, sizeof command.post_hold.zero);
      break;
    case CommandKind::void_hold:
      unused_zero = all_zero(command.void_hold.zero, sizeof command.void_hold.zero);
      break;
    case CommandKind::set_engine_rules:
      unused_zero = all_zero(command.set_engine_rules.zero, sizeof command.set_engine_rules.zero);
      break;
    case CommandKind::create_market: unused_zero = true; break;
    case CommandKind::set_market_rules: unused_zero = true; break;
    case CommandKind::set_market_status:
      unused_zero = all_zero(command.set_market_status.zero, sizeof command.set_market_status.zero) &&
                    all_zero(command.set_market_status.zero2, sizeof command.set_market_status.zero2);
      break;
    case CommandKind::set_fee_tier:
      unused_zero = all_zero(command.set_fee_tier.zero, sizeof command.set_fee_tier.zero) &&
                    all_zero(command.set_fee_tier.zero2, sizeof command.set_fee_tier.zero2);
      break;
    case CommandKind::place_order: unused_zero = true; break;
    case CommandKind::cancel_order:
      unused_zero = command.cancel_order.zero == 0 &&
                    all_zero(command.cancel_order.zero2, sizeof command.cancel_order.zero2);
      break;
    case CommandKind::amend_order:
      unused_zero = command.amend_order.zero == 0 && command.amend_order.zero2 == 0;
      break;
    case CommandKind::cancel_all:
      unused_zero = all_zero(command.cancel_all.zero, sizeof command.cancel_all.zero);
      break;
    case CommandKind::tag_order: {
      const TagOrderPayload& p = command.tag_order;
      const size_t length = std::min<size_t>(p.length, kClientOrderIdMax);
      unused_zero = all_zero(p.text + length, kClientOrderIdMax - length) && all_zero(p.zero, sizeof p.zero);
      break;
    }
    case CommandKind::register_client:
    case CommandKind::update_client:
      unused_zero = command.client_facts.knowledge_test <= 1 &&
                    all_zero(command.client_facts.zero, sizeof command.client_facts.zero);
      break;
    case CommandKind::set_client_status:
      unused_zero = command.set_client_status.zero == 0 &&
                    all_zero(command.set_client_status.zero2, sizeof command.set_client_status.zero2);
      break;
    case CommandKind::set_client_policy:
      unused_zero = command.set_client_policy.require_registered <= 1 &&
                    all_zero(command.set_client_policy.zero, sizeof command.set_client_policy.zero);
      break;
    case CommandKind::set_conversion_rate:
      unused_zero = command.set_conversion_rate.zero == 0 &&
                    all_zero(command.set_conversion_rate.zero2, sizeof command.set_conversion_rate.zero2);
      break;
    case CommandKind::set_tier_limits:
      unused_zero = all_zero(command.set_tier_limits.zero, sizeof command.set_tier_limits.zero) &&
                    all_zero(command.set_tier_limits.zero2, sizeof command.set_tier_limits.zero2);
      break;
    case CommandKind::set_retail_cap:
      unused_zero = all_zero(command.set_retail_cap.zero, sizeof command.set_retail_cap.zero);
      break;
    case CommandKind::define_wallet_class:
      unused_zero = all_zero(command.define_wallet_class.zero, sizeof command.define_wallet_class.zero);
      break;
    case CommandKind::open_wallet:
      unused_zero = command.open_wallet.flags <= (kWalletWaterfall | kWalletReverseWaterfall) &&
                    all_zero(command.open_wallet.zero, sizeof command.open_wallet.zero);
      break;
    case CommandKind::program_terms:
      unused_zero = command.program_terms.flags <= (kProgramP2p | kProgramCashOut) &&
                    all_zero(command.program_terms.zero, sizeof command.program_terms.zero);
      break;
    case CommandKind::program_limits: unused_zero = command.program_limits.zero == 0; break;
    case CommandKind::program_list: unused_zero = program_list_well_formed(command.program_list); break;
    case CommandKind::publish_program: {
      const size_t length = strnlen(command.publish_program.code, sizeof command.publish_program.code);
      unused_zero = all_zero(command.publish_program.code + length, sizeof command.publish_program.code - length);
      break;
    }
    case CommandKind::issue_cbdc:
    case CommandKind::redeem_cbdc:
      unused_zero = all_zero(command.cbdc_amount.zero, sizeof command.cbdc_amount.zero);
      break;
    case CommandKind::grant_tranches: {
      const GrantTranchesPayload& p = command.grant_tranches;
      unused_zero = p.count >= 1 && p.count <= 4 && all_zero(p.zero, sizeof p.zero) &&
                    all_zero(p.amounts_minor + p.count, (4 - p.count) * sizeof(int64_t));
      break;
    }
    case CommandKind::grant:
      unused_zero = command.grant.zero == 0 && all_zero(command.grant.zero2, sizeof command.grant.zero2);
      break;
    case CommandKind::pay: unused_zero = command.pay.zero == 0; break;
    case CommandKind::attest_release:
    case CommandKind::dispute_release:
    case CommandKind::cancel_release:
      unused_zero = all_zero(command.release.zero, sizeof command.release.zero);
      break;
    case CommandKind::set_program_status:
      unused_zero = all_zero(command.set_program_status.zero, sizeof command.set_program_status.zero);
      break;
    case CommandKind::set_exchange_link:
      unused_zero = all_zero(command.set_exchange_link.zero, sizeof command.set_exchange_link.zero);
      break;
    default: return Result::unknown_command_kind;
  }
  if ((command.flags & ~kKnownCommandFlags) != 0 || command.reserved != 0 || !unused_zero) {
    return Result::reserved_field_not_zero;
  }
  if (command.command_kind() == CommandKind::place_order) {
    const PlaceOrderPayload& p = command.place_order;
    if (p.side < 1 || p.side > 2 || p.type < 1 || p.type > kMaxOrderType || p.time_in_force > kMaxOrderTif ||
        p.self_trade_prevention > kMaxStpMode) {
      return Result::order_field_invalid;
    }
  }
  if (command.command_kind() == CommandKind::tag_order && !client_order_id_valid(command.tag_order)) {
    return Result::client_order_id_invalid;
  }
  if (command.role > kMaxRole) return Result::actor_not_permitted;
  return Result::ok;
}

Result decode_command(std::span<const uint8_t> bytes, Command* out) {
  if (bytes.size() != kCommandSize) return Result::reserved_field_not_zero;
  std::memcpy(out, bytes.data(), kCommandSize);
  return validate_command(*out);
}

void encode_command(const Command& command, uint8_t out[kCommandSize]) { std::memcpy(out, &command, kCommandSize); }

}  // namespace qz
