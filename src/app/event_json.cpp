#include "app/event_json.h"

#include <cstring>
#include <string_view>

#include "app/exec_input.h"
#include "base/assert.h"
#include "base/decimal.h"
#include "json/writer.h"
#include "market/candles.h"
#include "money/report.h"
#include "rules/clients.h"
#include "rules/limits.h"
#include "rules/rates.h"

namespace qz::app {

std::string format_account_amount(const Ledger& ledger, uint64_t account_id, int64_t minor, std::string* code) {
  const Account* account = ledger.account(account_id);
  QZ_ASSERT_MSG(account != nullptr, "an event names an account the ledger does not have");
  const Asset* asset = ledger.asset(account->asset);
  QZ_ASSERT(asset != nullptr);
  if (code != nullptr) *code = std::string(asset->code_view());
  return format_decimal(minor, asset->scale);
}

const char* order_end_reason_name(uint8_t reason) {
  switch (static_cast<OrderEndReason>(reason)) {
    case OrderEndReason::by_owner: return "by_owner";
    case OrderEndReason::cancel_all: return "cancel_all";
    case OrderEndReason::replaced: return "replaced";
    case OrderEndReason::market_closed: return "market_closed";
    case OrderEndReason::ioc_remainder: return "ioc_remainder";
    case OrderEndReason::fok_not_filled: return "fok_not_filled";
    case OrderEndReason::market_remainder: return "market_remainder";
    case OrderEndReason::good_till_date: return "good_till_date";
    case OrderEndReason::self_trade_taker: return "self_trade_taker";
    case OrderEndReason::self_trade_maker: return "self_trade_maker";
    case OrderEndReason::client_frozen: return "client_frozen";
    case OrderEndReason::client_offboarded: return "client_offboarded";
    case OrderEndReason::client_not_active: return "client_not_active";
  }
  return "unknown";
}

namespace {

// Writes the fields of market and order events: prices and quote amounts at the market's quote scale,
// quantities at its base scale, an order's reserved, released and fee amounts at the scale of the asset its
// side spends. Without the market (or the side) an amount is written as `<name>_minor`, an integer.
class MarketFields {
 public:
  MarketFields(json::Writer* json, const MarketDirectory* markets) : json_(json), markets_(markets) {}

  // Writes "market" and, when known, "symbol"; later amounts use this market.
  void market(uint32_t id) {
    json_->field("market", id);
    market_ = markets_ == nullptr ? nullptr : markets_->market(id);
    if (market_ != nullptr) json_->field("symbol", market_->symbol());
  }
  // For order_filled, which names only the order and its trade: the market and side, if known.
  void filled_order(uint64_t id, uint64_t trade) {
    const OrderInfo* info = markets_ == nullptr ? nullptr : markets_->filled_order(id, trade);
    if (info == nullptr) return;
    market(info->market);
    side_ = info->side;
    json_->field("side", order_side_name(side_));
  }
  void side(uint8_t side) {
    side_ = side;
    json_->field("side", order_side_name(side));
  }
  // The side of an order known to the directory, for the spent amounts of an event that does not carry it.
  void side_of(uint64_t order_id) {
    const OrderInfo* info = markets_ == nullptr ? nullptr : markets_->order(order_id);
    side_ = info == nullptr ? 0 : info->side;
  }

  void quote(std::string_view name, int64_t minor) {
    if (market_ == nullptr) return raw(name, minor);
    json_->field(name, json::Decimal{format_decimal(minor, market_->quote_scale)});
  }
  void base(std::string_view name, int64_t minor) {
    if (market_ == nullptr) return raw(name, minor);
    json_->field(name, json::Decimal{format_decimal(minor, market_->base_scale)});
  }
  // An amount of the spent asset, followed by "<name>_asset" with its code.
  void spent(std::string_view name, int64_t minor) {
    if (market_ == nullptr || side_ == 0) return raw(name, minor);
    uint8_t scale = 0;
    std::string code;
    MarketDirectory::spent_asset(*market_, side_, &scale, &code);
    json_->field(name, json::Decimal{format_decimal(minor, scale)});
    json_->field(std::string(name) + "_asset", code);
  }

 private:
  void raw(std::string_view name, int64_t minor) { json_->field(std::string(name) + "_minor", minor); }

  json::Writer* json_;
  const MarketDirectory* markets_;
  const MarketAssets* market_ = nullptr;
  uint8_t side_ = 0;
};

}  // namespace

std::string event_json(const Event& event, uint64_t height, const CommandOrigin* origin, const Ledger& ledger) {
  return event_json(event, height, origin, ledger, nullptr);
}

std::string event_json(const Event& event, uint64_t height, const CommandOrigin* origin, const Ledger& ledger,
                       MarketDirectory* markets) {
  json::Writer json;
  json.begin_object();
  json.field("event", event_kind_name(event.event_kind()));
  json.field("height", height);
  if (origin != nullptr) {
    json.field("line", origin->line_number);
    if (origin->linked) json.field("member", origin->member);
  }
  json.field("code", event.result);
  json.field("result", result_name(event.result_code()));
  if (event.result_code() != Result::ok) json.field("message", result_message(event.result_code()));

  MarketFields market(&json, markets);
  // The digital tenge has scale 2 (docs/money.md).
  const auto tenge = [&](std::string_view name, int64_t minor) {
    const std::string text = format_tenge(minor);
    json.field(name, json::Decimal{text});
  };
  std::string code;
  const auto amount = [&](std::string_view name, uint64_t account, int64_t minor) {
    json.field(name, json::Decimal{format_account_amount(ledger, account, minor, &code)});
  };

  switch (event.event_kind()) {
    case EventKind::rejected: {
      const RejectedPayload& p = event.rejected;
      json.field("command", command_kind_name(static_cast<CommandKind>(p.command_kind)));
      json.field("actor", p.actor);
      if (p.request_id != 0) json.field("request_id", p.request_id);
      break;
    }
    case EventKind::duplicate: {
      const DuplicatePayload& p = event.duplicate;
      json.field("command", command_kind_name(static_cast<CommandKind>(p.command_kind)));
      json.field("actor", p.actor);
      json.field("request_id", p.request_id);
      json.field("object_id", p.object_id);
      break;
    }
    case EventKind::asset_created: {
      const AssetCreatedPayload& p = event.asset_created;
      json.field("asset_id", p.asset);
      json.field("asset", std::string_view(p.code, strnlen(p.code, kAssetCodeSize)));
      json.field("scale", static_cast<uint32_t>(p.scale));
      break;
    }
    case EventKind::account_opened: {
      const AccountOpenedPayload& p = event.account_opened;
      const Asset* asset = ledger.asset(p.asset);
      QZ_ASSERT(asset != nullptr);
      json.field("account", p.account);
      json.field("owner", p.owner);
      json.field("asset", asset->code_view());
      json.field("kind", account_kind_name(static_cast<AccountKind>(p.kind)));
      break;
    }
    case EventKind::transfer_posted: {
      const TransferPostedPayload& p = event.transfer_posted;
      json.field("transfer", p.transfer);
      json.field("debit", p.debit);
      json.field("credit", p.credit);
      amount("amount", p.debit, p.amount_minor);
      json.field("asset", code);
      amount("debit_balance", p.debit, p.debit_balance_after);
      amount("credit_balance", p.credit, p.credit_balance_after);
      break;
    }
    case EventKind::hold_placed: {
      const HoldPlacedPayload& p = event.hold_placed;
      json.field("hold", p.hold);
      json.field("account", p.account);
      if (p.credit != 0) json.field("credit", p.credit);
      amount("amount", p.account, p.amount_minor);
      json.field("asset", code);
      if (p.expires_at_ns != 0) json.field("expires_at_ns", p.expires_at_ns);
      amount("account_held", p.account, p.account_held_after);
      break;
    }
    case EventKind::hold_posted: {
      const HoldPostedPayload& p = event.hold_posted;
      json.field("hold", p.hold);
      json.field("transfer", p.transfer);
      json.field("debit", p.debit);
      json.field("credit", p.credit);
      amount("amount", p.debit, p.amount_minor);
      json.field("asset", code);
      amount("remaining", p.debit, p.remaining_minor);
      break;
    }
    case EventKind::hold_voided:
    case EventKind::hold_expired: {
      const HoldReleasedPayload& p = event.hold_released;
      json.field("hold", p.hold);
      json.field("account", p.account);
      amount("amount", p.account, p.amount_minor);
      json.field("asset", code);
      amount("account_held", p.account, p.account_held_after);
      amount("remaining", p.account, p.remaining_minor);
      break;
    }
    case EventKind::market_created: {
      const MarketCreatedPayload& p = event.market_created;
      // The payload names the assets, so this one needs no directory.
      MarketDirectory own;
      own.add_market(p.market, market_assets(ledger, p.base, p.quote));
      MarketFields fields(&json, &own);
      fields.market(p.market);
      json.field("base", own.market(p.market)->base_code);
      json.field("quote", own.market(p.market)->quote_code);
      fields.quote("tick_size", p.tick_size);
      fields.base("lot_step", p.lot_step);
      fields.base("min_qty", p.min_qty);
      fields.base("max_qty", p.max_qty);
      break;
    }
    case EventKind::market_rules_set: {
      const MarketRulesSetPayload& p = event.market_rules_set;
      market.market(p.market);
      json.field("band_bps", p.band_bps);
      market.quote("min_notional", p.min_notional);
      json.field("maker_fee_bps", p.maker_fee_bps);
      json.field("taker_fee_bps", p.taker_fee_bps);
      json.field("fee_account_base", p.fee_account_base);
      json.field("fee_account_quote", p.fee_account_quote);
      break;
    }
    case EventKind::market_status_changed: {
      const MarketStatusChangedPayload& p = event.market_status_changed;
      market.market(p.market);
      json.field("status", market_status_name(p.status));
      json.field("previous_status", market_status_name(p.previous_status));
      market.quote("reference_price", p.reference_price_minor);
      json.field("orders_cancelled", p.orders_cancelled);
      break;
    }
    case EventKind::fee_tier_set: {
      const FeeTierSetPayload& p = event.fee_tier_set;
      market.market(p.market);
      json.field("index", static_cast<uint32_t>(p.index));
      json.field("count", static_cast<uint32_t>(p.count));
      market.quote("min_30d_volume", p.min_30d_volume_quote_minor);
      json.field("maker_fee_bps", p.maker_fee_bps);
      json.field("taker_fee_bps", p.taker_fee_bps);
      break;
    }
    case EventKind::order_accepted: {
      const OrderAcceptedPayload& p = event.order_accepted;
      json.field("order", p.order);
      market.market(p.market);
      market.side(p.side);
      json.field("type", order_type_name(p.type));
      if (p.time_in_force != 0) json.field("time_in_force", order_tif_name(p.time_in_force));
      json.field("stp", stp_mode_name(p.self_trade_prevention));
      market.quote("price", p.price_minor);
      market.base("quantity", p.qty_minor);
      json.field("account", p.account);
      market.spent("reserved", p.reserved_minor);
      break;
    }
    case EventKind::order_rested: {
      const OrderRestedPayload& p = event.order_rested;
      json.field("order", p.order);
      market.market(p.market);
      market.side(p.side);
      market.quote("price", p.price_minor);
      market.base("visible_qty", p.visible_qty_minor);
      market.base("remaining_qty", p.remaining_qty_minor);
      break;
    }
    case EventKind::order_filled: {
      const OrderFilledPayload& p = event.order_filled;
      json.field("order", p.order);
      json.field("trade", p.trade);
      market.filled_order(p.order, p.trade);
      market.base("quantity", p.qty_minor);
      market.quote("quote_qty", p.quote_qty_minor);
      market.spent("fee", p.fee_minor);
      market.base("remaining_qty", p.remaining_qty_minor);
      break;
    }
    case EventKind::trade: {
      const TradePayload& p = event.trade;
      json.field("trade", p.trade);
      market.market(p.market);
      market.quote("price", p.price_minor);
      market.base("quantity", p.qty_minor);
      json.field("taker_side", order_side_name(p.taker_side));
      json.field("maker_order", p.maker_order);
      json.field("taker_order", p.taker_order);
      break;
    }
    case EventKind::order_cancelled:
    case EventKind::order_expired: {
      const OrderEndedPayload& p = event.order_ended;
      json.field("order", p.order);
      market.market(p.market);
      market.side_of(p.order);
      json.field("reason", order_end_reason_name(p.reason));
      market.base("remaining_qty", p.remaining_qty_minor);
      market.base("executed_qty", p.executed_qty_minor);
      market.spent("released", p.released_minor);
      json.field("account", p.account);
      break;
    }
    case EventKind::order_triggered: {
      const OrderTriggeredPayload& p = event.order_triggered;
      json.field("order", p.order);
      market.market(p.market);
      market.quote("stop_price", p.stop_price_minor);
      market.quote("last_price", p.last_price_minor);
      break;
    }
    case EventKind::order_amended: {
      const OrderAmendedPayload& p = event.order_amended;
      json.field("order", p.order);
      market.market(p.market);
      market.side_of(p.order);
      market.base("new_qty", p.new_qty_minor);
      market.base("remaining_qty", p.remaining_qty_minor);
      market.spent("released", p.released_minor);
      break;
    }
    case EventKind::level_changed: {
      const LevelChangedPayload& p = event.level_changed;
      market.market(p.market);
      market.side(p.side);
      json.field("update_id", p.update_id);
      market.quote("price", p.price_minor);
      market.base("total_qty", p.total_qty_minor);
      json.field("order_count", p.order_count);
      break;
    }
    case EventKind::candle_closed: {
      const CandleClosedPayload& p = event.candle_closed;
      market.market(p.market);
      json.field("interval", p.interval < kCandleIntervalCount
                                 ? candle_interval_name(static_cast<CandleInterval>(p.interval))
                                 : std::string_view("unknown"));
      json.field("open_time_ms", p.open_time_ms);
      market.quote("open", p.open_price_minor);
      market.quote("high", p.high_price_minor);
      market.quote("low", p.low_price_minor);
      market.quote("close", p.close_price_minor);
      break;
    }
    case EventKind::client_registered:
    case EventKind::client_updated: {
      const ClientFactsSetPayload& p = event.client_facts;
      json.field("client", p.client);
      json.field("class", client_class_name(static_cast<ClientClass>(p.classification)));
      json.field("kyc_tier", static_cast<uint32_t>(p.kyc_tier));
      json.field("residence", std::string_view(p.residence, 2));
      json.field("nationality", std::string_view(p.nationality, 2));
      json.field("knowledge_test", p.knowledge_test == 1);
      json.field("status", client_status_name(static_cast<ClientStatus>(p.status)));
      if (event.event_kind() == EventKind::client_registered) json.field("orders_cancelled", p.orders_cancelled);
      break;
    }
    case EventKind::client_status_changed: {
      const ClientStatusChangedPayload& p = event.client_status_changed;
      json.field("client", p.client);
      json.field("status", client_status_name(static_cast<ClientStatus>(p.status)));
      json.field("previous_status", client_status_name(static_cast<ClientStatus>(p.previous_status)));
      json.field("reason", client_status_reason_name(static_cast<ClientStatusReason>(p.reason)));
      json.field("orders_cancelled", p.orders_cancelled);
      break;
    }
    case EventKind::client_policy_set:
      json.field("require_registered", event.client_policy_set.require_registered == 1);
      json.field("orders_cancelled", event.client_policy_set.orders_cancelled);
      break;
    case EventKind::conversion_rate_set: {
      const ConversionRateSetPayload& p = event.conversion_rate_set;
      if (p.asset == kUsdRateAsset) {
        json.field("asset", std::string_view("USD"));
      } else {
        const Asset* asset = ledger.asset(p.asset);
        json.field("asset", asset == nullptr ? std::string_view("unknown") : asset->code_view());
      }
      json.field("rate_tiyn", p.tiyn_per_unit);
      json.field("previous_rate_tiyn", p.previous_tiyn_per_unit);
      break;
    }
    case EventKind::tier_limits_set: {
      const TierLimitsSetPayload& p = event.tier_limits_set;
      json.field("tier", uint64_t{p.tier});
      json.field("kind", std::string_view(limit_kind_name(static_cast<LimitKind>(p.limit_kind))));
      json.field("daily_tiyn", p.daily_tiyn);
      json.field("monthly_tiyn", p.monthly_tiyn);
      json.field("previous_daily_tiyn", p.previous_daily_tiyn);
      json.field("previous_monthly_tiyn", p.previous_monthly_tiyn);
      break;
    }
    case EventKind::engine_rules_set:
      json.field("version", uint64_t{event.engine_rules_set.version});
      json.field("previous_version", uint64_t{event.engine_rules_set.previous_version});
      break;
    case EventKind::retail_cap_set: {
      const RetailCapSetPayload& p = event.retail_cap_set;
      json.field("usd_cents", p.usd_cents);
      json.field("residence", std::string_view(p.residence, p.usd_cents == 0 ? 0 : 2));
      json.field("previous_usd_cents", p.previous_usd_cents);
      json.field("previous_residence", std::string_view(p.previous_residence, p.previous_usd_cents == 0 ? 0 : 2));
      break;
    }
    case EventKind::order_tagged: {
      const OrderTaggedPayload& p = event.order_tagged;
      json.field("actor", p.actor);
      json.field("client_order_id", std::string_view(p.text, std::min<size_t>(p.length, kClientOrderIdMax)));
      break;
    }
    case EventKind::wallet_class_defined: {
      const WalletClassDefinedPayload& p = event.wallet_class_defined;
      json.field("wallet_class", p.wallet_class);
      json.field("kyc_level", static_cast<uint32_t>(p.kyc_level));
      tenge("balance_cap", p.balance_cap_minor);
      tenge("per_payment_limit", p.per_payment_limit_minor);
      tenge("daily_limit", p.daily_limit_minor);
      tenge("annual_limit", p.annual_limit_minor);
      break;
    }
    case EventKind::wallet_opened: {
      const WalletOpenedPayload& p = event.wallet_opened;
      json.field("wallet", p.wallet);
      json.field("owner", p.owner);
      json.field("account", p.account);
      json.field("kind", wallet_kind_name(static_cast<WalletKind>(p.kind)));
      if (p.wallet_class != 0) json.field("wallet_class", p.wallet_class);
      if (p.mcc != 0) json.field("mcc", static_cast<uint32_t>(p.mcc));
      if (p.region != 0) json.field("region", static_cast<uint32_t>(p.region));
      if (p.linked_account != 0) json.field("linked_account", p.linked_account);
      if ((p.flags & kWalletWaterfall) != 0) json.field("waterfall", true);
      if ((p.flags & kWalletReverseWaterfall) != 0) json.field("reverse_waterfall", true);
      break;
    }
    case EventKind::program_published: {
      const ProgramPublishedPayload& p = event.program_published;
      json.field("program", p.program);
      json.field("program_code", std::string_view(p.code, strnlen(p.code, sizeof p.code)));
      json.field("version", p.version);
      json.field("issuer_wallet", p.issuer_wallet);
      json.field("escrow_account", p.escrow_account);
      break;
    }
    case EventKind::exchange_link_set:
      json.field("venue_wallet", event.exchange_link_set.venue_wallet);
      json.field("tenge_account", event.exchange_link_set.tenge_account);
      break;
    case EventKind::cbdc_issued:
    case EventKind::cbdc_redeemed:
    case EventKind::program_granted:
    case EventKind::cbdc_paid:
    case EventKind::release_done:
    case EventKind::release_disputed:
    case EventKind::release_cancelled:
    case EventKind::program_status_changed:
    case EventKind::program_expired: {
      const MoneyPlanPayload& p = event.money_plan;
      if (p.payer != 0) json.field("payer", p.payer);
      if (p.payee != 0) json.field("payee", p.payee);
      if (p.program != 0) json.field("program", p.program);
      if (p.release != 0) json.field("release", p.release);
      if (event.event_kind() == EventKind::program_status_changed) {
        json.field("status", program_status_name(static_cast<ProgramStatus>(p.status)));
      }
      if (p.amount_minor != 0) tenge("amount", p.amount_minor);
      json.field("postings", p.postings);
      json.field("lot_changes", p.lot_changes);
      if (p.releases_opened != 0) json.field("releases_opened", static_cast<uint32_t>(p.releases_opened));
      break;
    }
    case EventKind::lot_changed: {
      const LotChangedPayload& p = event.lot_changed;
      json.field("holder", p.holder);
      json.field("program", p.program);
      json.field("change", lot_change_kind_name(static_cast<LotChangeKind>(p.change)));
      tenge("delta", p.delta_minor);
      if (p.counterparty != 0) json.field("counterparty", p.counterparty);
      break;
    }
    case EventKind::release_opened: {
      const ReleaseOpenedPayload& p = event.release_opened;
      json.field("release", p.release);
      json.field("grant", p.grant);
      json.field("program", p.program);
      json.field("holder", p.holder);
      json.field("tranche", static_cast<uint32_t>(p.tranche));
      tenge("amount", p.amount_minor);
      if (p.release_at_ns != 0) json.field("release_at_ns", p.release_at_ns);
      break;
    }
    case EventKind::release_closed: {
      const ReleaseClosedPayload& p = event.release_closed;
      json.field("release", p.release);
      json.field("program", p.program);
      json.field("holder", p.holder);
      tenge("amount", p.amount_minor);
      json.field("to", p.returned != 0 ? "issuer" : "holder");
      break;
    }
    case EventKind::money_part_taken:
      json.field("command", command_kind_name(static_cast<CommandKind>(event.money_part_taken.command_kind)));
      break;
  }
  json.end_object();
  if (markets != nullptr) markets->observe(event, ledger);
  return json.take();
}

}  // namespace qz::app
