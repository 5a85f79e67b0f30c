#include "app/exec_plan.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/market_directory.h"
#include "base/assert.h"
#include "base/decimal.h"
#include "engine/engine.h"

namespace qz::app {

namespace {

// What an amount is parsed against: the asset of the account it comes from.
struct AccountInfo {
  uint32_t asset = 0;
  uint8_t scale = 0;
  std::string code;
};

// Resolves the commands of one line against `engine` plus what earlier members of the same line will create.
class Resolver {
 public:
  Resolver(const Engine& engine, const std::map<uint64_t, uint64_t>& closed_hold_accounts,
           const MarketDirectory& markets)
      : engine_(engine), hold_accounts_(closed_hold_accounts), markets_(markets) {}

  Status resolve(const InputLine& line, const CommandText& text, Command* out) {
    line_number_ = line.line_number;
    where_ = text.where;
    Command command;
    switch (text.kind) {
      case CommandKind::create_asset:
        command = make_create_asset(text.code, text.scale);
        if (find_asset(text.code) == nullptr) pending_assets_.push_back(PendingAsset{text.code, text.scale});
        break;
      case CommandKind::open_account: {
        const AccountInfo* asset = find_asset(text.asset);
        if (asset == nullptr) return fail("asset", "unknown asset \"" + text.asset + "\"" + known_assets());
        command = make_open_account(text.owner, asset->asset, text.account_kind);
        pending_accounts_.push_back(*asset);
        break;
      }
      case CommandKind::transfer: {
        AccountInfo debit;
        AccountInfo credit;
        QZ_TRY(need_account("debit", text.debit, &debit));
        QZ_TRY(need_account("credit", text.credit, &credit));
        int64_t amount_minor = 0;
        QZ_TRY(parse_amount(text.amount, debit, "debit", text.debit, &amount_minor));
        command = make_transfer(text.debit, text.credit, amount_minor);
        command.transfer.reference = text.reference;
        break;
      }
      case CommandKind::hold: {
        AccountInfo account;
        QZ_TRY(need_account("account", text.account, &account));
        if (text.credit != 0) {
          AccountInfo credit;
          QZ_TRY(need_account("credit", text.credit, &credit));
        }
        int64_t amount_minor = 0;
        QZ_TRY(parse_amount(text.amount, account, "account", text.account, &amount_minor));
        command = make_hold(text.account, text.credit, amount_minor, text.timeout_ns);
        command.hold.reference = text.reference;
        pending_holds_.push_back(text.account);
        break;
      }
      case CommandKind::post_hold: {
        uint64_t held_account = 0;
        QZ_TRY(need_hold(text.hold, &held_account));
        AccountInfo credit;
        if (text.credit != 0) QZ_TRY(need_account("credit", text.credit, &credit));
        int64_t amount_minor = 0;
        if (text.has_amount) {
          AccountInfo source;
          if (held_account != 0) {
            const bool known = find_account(held_account, &source);
            QZ_ASSERT(known);
            QZ_TRY(parse_amount(text.amount, source, "hold", text.hold, &amount_minor));
          } else if (text.credit != 0) {
            QZ_TRY(parse_amount(text.amount, credit, "credit", text.credit, &amount_minor));
          } else {
            return fail("amount", "hold " + std::to_string(text.hold) +
                                      " was closed before this file, so its asset (and the amount's scale) is unknown;"
                                      " omit \"amount\" or name the \"credit\" account");
          }
        }
        command = make_post_hold(text.hold, text.credit, amount_minor);
        break;
      }
      case CommandKind::void_hold: {
        uint64_t held_account = 0;
        QZ_TRY(need_hold(text.hold, &held_account));
        int64_t amount_minor = 0;
        if (text.has_amount) {
          if (held_account == 0) {
            return fail("amount", "hold " + std::to_string(text.hold) +
                                      " was closed before this file, so its asset (and the amount's scale) is unknown;"
                                      " omit \"amount\"");
          }
          AccountInfo source;
          const bool known = find_account(held_account, &source);
          QZ_ASSERT(known);
          QZ_TRY(parse_amount(text.amount, source, "hold", text.hold, &amount_minor));
        }
        command = make_void_hold(text.hold, amount_minor);
        break;
      }
      case CommandKind::create_market: {
        const AccountInfo* found = find_asset(text.base_asset);
        if (found == nullptr) return fail("base", "unknown asset \"" + text.base_asset + "\"" + known_assets());
        const AccountInfo base = *found;
        found = find_asset(text.quote_asset);
        if (found == nullptr) return fail("quote", "unknown asset \"" + text.quote_asset + "\"" + known_assets());
        const AccountInfo quote = *found;
        const std::string price_context = "prices are in the quote asset " + quote.code;
        const std::string qty_context = "quantities are in the base asset " + base.code;
        int64_t tick = 0;
        int64_t lot = 0;
        int64_t min_qty = 0;
        int64_t max_qty = 0;
        QZ_TRY(parse_scaled("tick_size", text.tick_size, quote.scale, quote.code, price_context, &tick));
        QZ_TRY(parse_scaled("lot_step", text.lot_step, base.scale, base.code, qty_context, &lot));
        QZ_TRY(parse_scaled("min_qty", text.min_qty, base.scale, base.code, qty_context, &min_qty));
        QZ_TRY(parse_scaled("max_qty", text.max_qty, base.scale, base.code, qty_context, &max_qty));
        command = make_create_market(base.asset, quote.asset, tick, lot, min_qty, max_qty);
        break;
      }
      case CommandKind::set_market_rules: {
        MarketAssets market;
        QZ_TRY(need_market(text.market, &market));
        AccountInfo fee_account;
        QZ_TRY(need_account("fee_account_base", text.fee_account_base, &fee_account));
        QZ_TRY(need_account("fee_account_quote", text.fee_account_quote, &fee_account));
        int64_t min_notional = 0;
        QZ_TRY(parse_quote("min_notional", text.min_notional, text.market, market, "quote amounts", &min_notional));
        command = make_set_market_rules(text.market, text.band_bps, min_notional, text.maker_fee_bps,
                                        text.taker_fee_bps, text.fee_account_base, text.fee_account_quote);
        break;
      }
      case CommandKind::set_market_status: {
        MarketAssets market;
        QZ_TRY(need_market(text.market, &market));
        int64_t reference = 0;
        QZ_TRY(parse_quote("reference_price", text.reference_price, text.market, market, "prices", &reference));
        command = make_set_market_status(text.market, text.market_status, reference);
        break;
      }
      case CommandKind::set_fee_tier: {
        MarketAssets market;
        QZ_TRY(need_market(text.market, &market));
        int64_t min_volume = 0;
        QZ_TRY(parse_quote("min_30d_volume", text.min_volume, text.market, market, "quote amounts", &min_volume));
        command = make_set_fee_tier(text.market, text.tier_index, text.tier_count, min_volume, text.maker_fee_bps,
                                    text.taker_fee_bps);
        break;
      }
      case CommandKind::place_order: {
        MarketAssets market;
        QZ_TRY(need_market(text.market, &market));
        int64_t price = 0;
        int64_t qty = 0;
        int64_t stop = 0;
        int64_t iceberg = 0;
        QZ_TRY(parse_quote("price", text.price, text.market, market, "prices", &price));
        if (text.order_type == OrderType::market_by_quote) {
          QZ_TRY(parse_quote("quoteOrderQty", text.quantity, text.market, market, "quote amounts", &qty));
        } else {
          QZ_TRY(parse_base("quantity", text.quantity, text.market, market, &qty));
        }
        QZ_TRY(parse_quote("stopPrice", text.stop_price, text.market, market, "prices", &stop));
        QZ_TRY(parse_base("icebergQty", text.iceberg_qty, text.market, market, &iceberg));
        command = make_place_order(text.actor, text.market, text.side, text.order_type, text.time_in_force, price, qty);
        command.place_order.self_trade_prevention = text.self_trade_prevention;
        command.place_order.stop_price_minor = stop;
        command.place_order.aux =
            text.time_in_force == OrderTif::gtd ? text.good_till_ns : static_cast<uint64_t>(iceberg);
        break;
      }
      case CommandKind::cancel_order: {
        MarketAssets market;
        QZ_TRY(need_market(text.market, &market));
        command = make_cancel_order(text.actor, text.market, text.order_id, text.client_order_id);
        break;
      }
      case CommandKind::amend_order: {
        MarketAssets market;
        QZ_TRY(need_market(text.market, &market));
        int64_t new_qty = 0;
        QZ_TRY(parse_base("newQty", text.new_qty, text.market, market, &new_qty));
        command = make_amend_order(text.actor, text.market, text.order_id, new_qty);
        command.amend_order.client_order_id = text.client_order_id;
        break;
      }
      case CommandKind::tag_order:
        return Status::error("tag_order is a gateway's command and cannot be written for exec");
      case CommandKind::cancel_all: {
        MarketAssets market;
        QZ_TRY(need_market(text.market, &market));
        command = make_cancel_all(text.actor, text.market);
        break;
      }
      case CommandKind::register_client:
        command = make_register_client(text.client, text.client_class, text.kyc_tier, text.residence,
                                       text.nationality, text.knowledge_test);
        break;
      case CommandKind::update_client:
        command = make_update_client(text.client, text.client_class, text.kyc_tier, text.residence,
                                     text.nationality, text.knowledge_test);
        break;
      case CommandKind::set_client_status:
        command = make_set_client_status(text.client, text.client_status, text.client_reason);
        break;
      case CommandKind::set_client_policy: command = make_set_client_policy(text.require_registered); break;
      case CommandKind::set_conversion_rate: {
        // A rate is tenge per whole unit, written in tenge with up to 2 decimals (tiyn); "USD" is the dollar.
        uint32_t asset = kUsdRateAsset;
        if (text.asset != "USD") {
          const AccountInfo* found = find_asset(text.asset);
          if (found == nullptr) return fail("asset", "unknown asset \"" + text.asset + "\" (or \"USD\")" + known_assets());
          asset = found->asset;
        }
        int64_t tiyn = 0;
        QZ_TRY(parse_scaled("rate", text.rate, 2, "KZT", "tenge per unit", &tiyn));
        command = make_set_conversion_rate(asset, tiyn);
        break;
      }
      case CommandKind::set_tier_limits: {
        // Limits in tenge with up to 2 decimals; absent = no limit for that period.
        int64_t daily = 0;
        int64_t monthly = 0;
        QZ_TRY(parse_scaled("daily", text.daily, 2, "KZT", "a limit in tenge", &daily));
        QZ_TRY(parse_scaled("monthly", text.monthly, 2, "KZT", "a limit in tenge", &monthly));
        command = make_set_tier_limits(text.kyc_tier, text.limit_kind, daily, monthly);
        break;
      }
      case CommandKind::set_retail_cap: {
        int64_t cents = 0;
        QZ_TRY(parse_scaled("usd", text.cap_usd, 2, "USD", "a cap in US dollars", &cents));
        command = make_set_retail_cap(cents, text.residence);
        break;
      }
      case CommandKind::set_engine_rules: command = make_set_engine_rules(text.rules_version); break;
      default:
        QZ_ASSERT(is_money_command(text.kind));
        command = text.money;
        break;
    }
    command.actor = text.actor;
    command.role = static_cast<uint8_t>(text.role);
    command.request_id = text.request_id;
    *out = command;
    return Status::ok();
  }

 private:
  struct PendingAsset {
    std::string code;
    uint8_t scale;
  };

  const Ledger& ledger() const { return engine_.ledger(); }

  // The asset with this code: existing first, then created earlier in this line. nullptr when unknown.
  const AccountInfo* find_asset(const std::string& code) {
    const uint32_t existing = ledger().find_asset(code);
    if (existing != 0) {
      lookup_ = AccountInfo{.asset = existing, .scale = ledger().asset(existing)->scale, .code = code};
      return &lookup_;
    }
    for (size_t i = 0; i < pending_assets_.size(); i++) {
      if (pending_assets_[i].code == code) {
        lookup_ = AccountInfo{.asset = ledger().asset_count() + static_cast<uint32_t>(i) + 1,
                              .scale = pending_assets_[i].scale,
                              .code = code};
        return &lookup_;
      }
    }
    return nullptr;
  }

  bool find_account(uint64_t id, AccountInfo* out) const {
    if (const Account* account = ledger().account(id)) {
      const Asset* asset = ledger().asset(account->asset);
      QZ_ASSERT(asset != nullptr);
      *out = AccountInfo{.asset = account->asset, .scale = asset->scale, .code = std::string(asset->code_view())};
      return true;
    }
    const uint64_t existing = ledger().account_count();
    if (id > existing && id - existing <= pending_accounts_.size()) {
      *out = pending_accounts_[id - existing - 1];
      return true;
    }
    return false;
  }

  Status need_account(const char* field, uint64_t id, AccountInfo* out) const {
    if (find_account(id, out)) return Status::ok();
    const uint64_t count = ledger().account_count() + pending_accounts_.size();
    return fail(field, "account " + std::to_string(id) + " does not exist" +
                           (count == 0 ? std::string(" (no accounts are open)")
                                       : " (accounts are numbered 1 to " + std::to_string(count) + ")"));
  }

  // A hold that was ever placed. *account is its held account when known (live, placed earlier in this line or
  // this file), else 0.
  Status need_hold(uint64_t id, uint64_t* account) const {
    const uint64_t next = ledger().next_hold_id();
    if (id == 0 || id >= next + pending_holds_.size()) {
      return fail("hold",
                  "hold " + std::to_string(id) + " does not exist" +
                      (next + pending_holds_.size() == 1
                           ? std::string(" (no holds have been placed)")
                           : " (holds are numbered 1 to " + std::to_string(next + pending_holds_.size() - 1) + ")"));
    }
    *account = 0;
    if (const Hold* hold = ledger().hold(id)) {
      *account = hold->account;
    } else if (id >= next) {
      *account = pending_holds_[id - next];
    } else if (auto it = hold_accounts_.find(id); it != hold_accounts_.end()) {
      *account = it->second;
    }
    return Status::ok();
  }

  Status parse_amount(const std::string& text, const AccountInfo& source, const char* source_field, uint64_t source_id,
                      int64_t* out) const {
    const DecimalError error = parse_decimal(text, source.scale, out);
    if (error == DecimalError::ok) return Status::ok();
    const std::string context = " (" + std::string(source_field) + " " + std::to_string(source_id) + " holds " +
                                source.code + ", scale " + std::to_string(source.scale) + ")";
    if (error == DecimalError::too_many_decimals) {
      return fail("amount", "\"" + text + "\" has more decimals than " + source.code + " allows" + context);
    }
    return fail("amount", "\"" + text + "\": " + decimal_error_message(error) + context);
  }

  Status need_market(uint32_t id, MarketAssets* out) const {
    if (const MarketAssets* market = markets_.market(id)) {
      *out = *market;
      return Status::ok();
    }
    const uint32_t count = markets_.market_count();
    return fail("market", "market " + std::to_string(id) + " does not exist" +
                              (count == 0 ? std::string(" (no markets exist)")
                                          : " (markets are numbered 1 to " + std::to_string(count) + ")"));
  }

  // Exact decimal text at `scale`; an absent text is 0. `context` says whose scale it is.
  Status parse_scaled(const char* field, const std::optional<std::string>& text, uint8_t scale, const std::string& code,
                      const std::string& context, int64_t* out) const {
    *out = 0;
    if (!text.has_value()) return Status::ok();
    const DecimalError error = parse_decimal(*text, scale, out);
    if (error == DecimalError::ok) return Status::ok();
    const std::string where = " (" + context + ", scale " + std::to_string(scale) + ")";
    if (error == DecimalError::too_many_decimals) {
      return fail(field, "\"" + *text + "\" has more decimals than " + code + " allows" + where);
    }
    return fail(field, "\"" + *text + "\": " + decimal_error_message(error) + where);
  }
  // Prices and quote amounts: the quote asset's scale (a price is quote minor units per whole base unit).
  Status parse_quote(const char* field, const std::optional<std::string>& text, uint32_t id, const MarketAssets& market,
                     const char* what, int64_t* out) const {
    return parse_scaled(field, text, market.quote_scale, market.quote_code,
                        "market " + std::to_string(id) + " " + what + " are in " + market.quote_code, out);
  }
  // Quantities: the base asset's scale.
  Status parse_base(const char* field, const std::optional<std::string>& text, uint32_t id, const MarketAssets& market,
                    int64_t* out) const {
    return parse_scaled(field, text, market.base_scale, market.base_code,
                        "market " + std::to_string(id) + " quantities are in " + market.base_code, out);
  }

  std::string known_assets() const {
    std::string list;
    for (uint32_t id = 1; id <= ledger().asset_count() && id <= 20; id++) {
      list += (list.empty() ? "" : ", ") + std::string(ledger().asset(id)->code_view());
    }
    for (const PendingAsset& pending : pending_assets_) list += (list.empty() ? "" : ", ") + pending.code;
    return list.empty() ? " (no assets exist yet)" : " (assets: " + list + ")";
  }

  Status fail(const char* field, const std::string& message) const {
    const std::string path = where_.empty() ? std::string(field) : where_ + "." + field;
    return Status::error("line " + std::to_string(line_number_) + ": \"" + path + "\": " + message);
  }

  const Engine& engine_;
  const std::map<uint64_t, uint64_t>& hold_accounts_;
  const MarketDirectory& markets_;
  std::vector<PendingAsset> pending_assets_;
  std::vector<AccountInfo> pending_accounts_;
  std::vector<uint64_t> pending_holds_;  // held account of each hold placed earlier in the line
  AccountInfo lookup_;
  uint64_t line_number_ = 0;
  std::string where_;
};

}  // namespace

Status plan_exec(std::span<const uint8_t> snapshot, std::span<const InputLine> lines, Clock* clock, ExecPlan* plan) {
  *plan = ExecPlan{};
  auto scratch = std::make_unique<Engine>();
  const Status loaded = scratch->load_snapshot(snapshot);
  if (!loaded.is_ok()) return Status::error("exec: cannot copy the engine state for the dry run: " + loaded.message());

  // Held account of every hold placed during the dry run, so a post after the hold closed still knows its scale.
  std::map<uint64_t, uint64_t> hold_accounts;
  // Markets (with their assets' scales) and open orders: the state's, then what the dry run creates.
  MarketDirectory markets;
  markets.seed_from_engine(*scratch);
  std::vector<Command> block;
  std::vector<Event> events;
  for (const InputLine& line : lines) {
    QZ_ASSERT(!line.commands.empty());
    if (line.commands.size() > kMaxLineCommands) {
      return Status::error("line " + std::to_string(line.line_number) + ": a linked group may hold at most " +
                           std::to_string(kMaxLineCommands) + " commands");
    }
    Resolver resolver(*scratch, hold_accounts, markets);
    block.clear();
    for (size_t i = 0; i < line.commands.size(); i++) {
      Command command;
      QZ_TRY(resolver.resolve(line, line.commands[i], &command));
      if (line.linked && i + 1 < line.commands.size()) command.flags |= kFlagLinked;
      block.push_back(command);
    }

    const uint64_t now_ns = clock->now_ns();
    const uint64_t time_ns = now_ns > scratch->last_time_ns() ? now_ns : scratch->last_time_ns() + 1;
    events.clear();
    scratch->apply(BlockInput{.height = scratch->next_height(), .time_ns = time_ns, .commands = block}, &events);
    for (const Event& event : events) {
      if (event.event_kind() == EventKind::hold_placed) {
        hold_accounts[event.hold_placed.hold] = event.hold_placed.account;
      }
      if (event.event_kind() == EventKind::rejected) plan->dry_run_rejections++;
      markets.observe(event, scratch->ledger());
    }

    plan->line_starts.push_back(plan->commands.size());
    for (size_t i = 0; i < block.size(); i++) {
      plan->commands.push_back(block[i]);
      plan->origins.push_back(
          CommandOrigin{.line_number = line.line_number, .member = static_cast<uint32_t>(i), .linked = line.linked});
    }
  }
  return Status::ok();
}

std::vector<std::pair<size_t, size_t>> chunk_plan(const ExecPlan& plan, size_t max_commands) {
  std::vector<std::pair<size_t, size_t>> chunks;
  size_t begin = 0;
  for (size_t i = 0; i < plan.line_starts.size(); i++) {
    const size_t line_end = i + 1 < plan.line_starts.size() ? plan.line_starts[i + 1] : plan.commands.size();
    QZ_ASSERT_LE(line_end - plan.line_starts[i], max_commands);
    if (line_end - begin > max_commands) {
      chunks.emplace_back(begin, plan.line_starts[i]);
      begin = plan.line_starts[i];
    }
  }
  if (begin < plan.commands.size()) chunks.emplace_back(begin, plan.commands.size());
  return chunks;
}

}  // namespace qz::app
