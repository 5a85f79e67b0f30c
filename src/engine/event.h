// Events: the fixed 64-byte records the engine emits. Format version 1; layout in docs/formats.md.
//
// Every command yields at least one event, in command order; expiries at the start of a block come first and
// carry command_index kNoCommand. The events of a block are committed to by the block's events root.
//
// Header (16 bytes): kind u16 | reserved u16 | result u32 | command_index u32 | reserved u32
// Payload (48 bytes): one of the structs below, selected by kind; unused bytes are zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "engine/command.h"

namespace qz {

inline constexpr size_t kEventSize = 64;
inline constexpr uint32_t kNoCommand = 0xFFFFFFFF;

enum class EventKind : uint16_t {
  rejected = 1,        // result says why; nothing changed
  duplicate = 2,       // a repeated request id: result and object_id are the original command's
  asset_created = 3,
  account_opened = 4,
  transfer_posted = 5,
  hold_placed = 6,
  hold_posted = 7,
  hold_voided = 8,
  hold_expired = 9,
  engine_rules_set = 10,  // set_engine_rules: the rules version from this command on
  // Markets and orders (docs/markets.md). Quantities are base minor units, prices quote minor per whole base
  // unit, fees minor units of the asset the order spends.
  market_created = 20,
  market_rules_set = 21,
  market_status_changed = 22,
  fee_tier_set = 23,
  order_accepted = 30,
  order_rested = 31,
  order_filled = 32,  // one per side of each trade; remaining 0 = the order is filled
  trade = 33,
  order_cancelled = 34,
  order_expired = 35,
  order_triggered = 36,
  order_amended = 37,
  level_changed = 38,
  candle_closed = 39,
  // Clients (docs/clients.md).
  client_registered = 40,
  client_updated = 41,
  client_status_changed = 42,
  client_policy_set = 43,
  conversion_rate_set = 44,
  tier_limits_set = 45,
  retail_cap_set = 46,
  // Orders, continued.
  order_tagged = 47,  // a tag_order command: the client order id text it journaled
  // The digital tenge (docs/money.md). A plan's event (cbdc_issued .. program_expired, MoneyPlanPayload) is
  // followed by its postings as transfer_posted, its lot changes as lot_changed, then release_opened and
  // release_closed; the plan's counts say how many (release_closed: those up to the next event of another kind). Plans run at block start carry kNoCommand.
  wallet_class_defined = 50,
  wallet_opened = 51,
  program_published = 52,
  exchange_link_set = 53,
  cbdc_issued = 54,
  cbdc_redeemed = 55,
  program_granted = 56,
  cbdc_paid = 57,
  release_done = 58,       // a pending release became spendable (attested, delay passed, dispute settled)
  release_disputed = 59,
  release_cancelled = 60,  // back to the issuer
  program_status_changed = 61,
  program_expired = 62,
  lot_changed = 63,
  release_opened = 64,
  release_closed = 65,
  money_part_taken = 66,   // a program_terms, program_limits, program_list or grant_tranches command
};
inline constexpr uint16_t kMaxEventKind = 66;

// Why an order ended without filling (order_cancelled / order_expired reason). Stable numbers.
enum class OrderEndReason : uint8_t {
  // order_cancelled
  by_owner = 1,       // cancel_order
  cancel_all = 2,
  replaced = 3,       // cancel_order linked with a place_order (cancel-replace)
  market_closed = 4,  // the operator closed the market
  // order_expired
  ioc_remainder = 10,
  fok_not_filled = 11,
  market_remainder = 12,  // a market order's remainder: no more liquidity within the protection band
  good_till_date = 13,
  self_trade_taker = 14,  // self-trade prevention expired this order as the aggressor
  self_trade_maker = 15,  // ... as the resting order
  // order_cancelled, continued
  client_frozen = 16,      // compliance froze the owner
  client_offboarded = 17,  // the owner was offboarded
  client_not_active = 18,  // the owner may not move money: registered (pending), or unregistered under the policy
};

struct RejectedPayload {
  uint64_t actor;
  uint64_t request_id;
  uint16_t command_kind;
  uint8_t zero[30];
};

struct DuplicatePayload {
  uint64_t actor;
  uint64_t request_id;
  uint64_t object_id;  // account, transfer or hold id the original command created (0 if none)
  uint16_t command_kind;
  uint8_t zero[22];
};

struct AssetCreatedPayload {
  uint32_t asset;
  uint8_t scale;
  char code[kAssetCodeSize];
  uint8_t zero[31];
};

struct AccountOpenedPayload {
  uint64_t account;
  uint64_t owner;
  uint32_t asset;
  uint8_t kind;
  uint8_t zero[27];
};

struct TransferPostedPayload {
  uint64_t transfer;
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
  int64_t debit_balance_after;   // total balance of the debit account after the transfer
  int64_t credit_balance_after;
};

struct HoldPlacedPayload {
  uint64_t hold;
  uint64_t account;
  uint64_t credit;  // 0 if named at post time
  int64_t amount_minor;
  uint64_t expires_at_ns;  // 0 = never
  int64_t account_held_after;
};

struct HoldPostedPayload {
  uint64_t hold;
  uint64_t transfer;  // the transfer id of the money that moved
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
  int64_t remaining_minor;  // still held after this post; 0 = the hold is closed
};

// For hold_voided and hold_expired.
struct HoldReleasedPayload {
  uint64_t hold;
  uint64_t account;
  int64_t amount_minor;  // released back to available
  int64_t account_held_after;
  int64_t remaining_minor;  // still held after this; 0 = the hold is closed (always 0 for hold_expired)
  uint8_t zero[8];
};

struct MarketCreatedPayload {
  uint32_t market;
  uint32_t base;
  uint32_t quote;
  uint32_t zero;
  int64_t tick_size;
  int64_t lot_step;
  int64_t min_qty;
  int64_t max_qty;
};

struct MarketRulesSetPayload {
  uint32_t market;
  uint32_t band_bps;
  uint32_t maker_fee_bps;
  uint32_t taker_fee_bps;
  int64_t min_notional;
  uint64_t fee_account_base;
  uint64_t fee_account_quote;
  uint8_t zero[8];
};

struct MarketStatusChangedPayload {
  uint32_t market;
  uint8_t status;
  uint8_t previous_status;
  uint8_t zero[2];
  int64_t reference_price_minor;  // the reference price now (0 = none yet)
  uint64_t orders_cancelled;      // closing: how many open orders were cancelled
  uint8_t zero2[24];
};

struct FeeTierSetPayload {
  uint32_t market;
  uint8_t index;
  uint8_t count;
  uint8_t zero[2];
  int64_t min_30d_volume_quote_minor;
  uint32_t maker_fee_bps;
  uint32_t taker_fee_bps;
  uint8_t zero2[24];
};

// The order id is what the exchange assigns (dense from 1 across all markets); the client order id is the
// place_order command's request_id, in the command this event answers.
struct OrderAcceptedPayload {
  uint64_t order;
  uint32_t market;
  uint8_t side;  // OrderSideCode
  uint8_t type;  // OrderType
  uint8_t time_in_force;
  uint8_t self_trade_prevention;
  int64_t price_minor;  // limit price; a market order's protection (or last reachable) price
  int64_t qty_minor;    // base quantity (a market_by_quote order: what the quote amount reaches)
  uint64_t account;        // the trading account its cost and fee are reserved (locked) on
  int64_t reserved_minor;  // locked for it: its maximum cost and fee (0: nothing to reserve)
};

struct OrderRestedPayload {
  uint64_t order;
  uint32_t market;
  uint8_t side;
  uint8_t zero[3];
  int64_t price_minor;
  int64_t visible_qty_minor;  // on the book now (an iceberg's slice)
  int64_t remaining_qty_minor;  // visible and hidden
  uint8_t zero2[8];
};

struct OrderFilledPayload {
  uint64_t order;
  uint64_t trade;
  int64_t qty_minor;
  int64_t quote_qty_minor;  // the trade's notional
  int64_t fee_minor;        // in the asset this order spends
  int64_t remaining_qty_minor;  // 0 = filled
};

struct TradePayload {
  uint64_t trade;  // dense from 1 across all markets
  uint32_t market;
  uint8_t taker_side;  // OrderSideCode of the aggressor
  uint8_t zero[3];
  int64_t price_minor;  // the maker's price; also the market's last price now
  int64_t qty_minor;
  uint64_t maker_order;
  uint64_t taker_order;
};

// For order_cancelled and order_expired.
struct OrderEndedPayload {
  uint64_t order;
  uint32_t market;
  uint8_t reason;  // OrderEndReason
  uint8_t zero[3];
  int64_t remaining_qty_minor;  // what will now never trade
  int64_t executed_qty_minor;   // what traded before
  int64_t released_minor;       // its reservation, unlocked back to available
  uint64_t account;             // the account it was reserved on
};

struct OrderTriggeredPayload {
  uint64_t order;
  uint32_t market;
  uint8_t zero[4];
  int64_t stop_price_minor;
  int64_t last_price_minor;  // the trade price that triggered it
  uint8_t zero2[16];
};

struct OrderAmendedPayload {
  uint64_t order;
  uint32_t market;
  uint8_t zero[4];
  int64_t new_qty_minor;        // the order's quantity now (executed + remaining)
  int64_t remaining_qty_minor;
  int64_t released_minor;
  uint8_t zero2[8];
};

// One price level of one side changed; update_id grows by exactly one per level_changed of the market.
struct LevelChangedPayload {
  uint32_t market;
  uint8_t side;  // OrderSideCode
  uint8_t zero[3];
  uint64_t update_id;
  int64_t price_minor;
  int64_t total_qty_minor;  // visible quantity at this price now; 0 = the level is gone
  uint32_t order_count;
  uint8_t zero2[12];
};

// The market's 1-minute candle closed (block time reached its end). Volumes are in the engine's state.
struct CandleClosedPayload {
  uint32_t market;
  uint8_t interval;  // CandleInterval (market/candles.h)
  uint8_t zero[3];
  int64_t open_time_ms;
  int64_t open_price_minor;
  int64_t high_price_minor;
  int64_t low_price_minor;
  int64_t close_price_minor;
};

// client_registered and client_updated: the client's facts now (and its status: pending when registered).
struct ClientFactsSetPayload {
  uint64_t client;
  uint8_t classification;  // ClientClass
  uint8_t kyc_tier;
  char residence[2];
  char nationality[2];
  uint8_t knowledge_test;
  uint8_t status;  // ClientStatus
  uint64_t orders_cancelled;  // client_registered: open orders of the new (pending) client, cancelled
  uint8_t zero[24];
};

struct ClientStatusChangedPayload {
  uint64_t client;
  uint8_t status;  // ClientStatus, now
  uint8_t previous_status;
  uint16_t reason;  // ClientStatusReason
  uint8_t zero[4];
  uint64_t orders_cancelled;  // open orders cancelled (freeze, offboarding), each with its own order_cancelled
  uint8_t zero2[24];
};

struct ClientPolicySetPayload {
  uint8_t require_registered;
  uint8_t zero[7];
  uint64_t orders_cancelled;  // open orders of owners the policy now stops, cancelled
  uint8_t zero2[32];
};

struct ConversionRateSetPayload {
  uint32_t asset;  // 0 = the US dollar
  uint32_t zero;
  int64_t tiyn_per_unit;
  int64_t previous_tiyn_per_unit;  // 0 = none before
  uint8_t zero2[24];
};

struct TierLimitsSetPayload {
  uint8_t tier;
  uint8_t limit_kind;  // LimitKind
  uint8_t zero[6];
  int64_t daily_tiyn;
  int64_t monthly_tiyn;
  int64_t previous_daily_tiyn;
  int64_t previous_monthly_tiyn;
  uint8_t zero2[8];
};

// The text of a client order id (tag_order); the gateway's 64-bit id of it is derived from actor and text.
struct OrderTaggedPayload {
  uint64_t actor;
  uint8_t length;
  char text[kClientOrderIdMax];
  uint8_t zero[3];
};

struct EngineRulesSetPayload {
  uint32_t version;
  uint32_t previous_version;
  uint8_t zero[40];
};

struct RetailCapSetPayload {
  int64_t usd_cents;  // 0 = no cap
  char residence[2];
  char previous_residence[2];
  uint8_t zero[4];
  int64_t previous_usd_cents;
  uint8_t zero2[24];
};

// --- The digital tenge ---

struct WalletClassDefinedPayload {
  uint32_t wallet_class;
  uint8_t kyc_level;
  uint8_t zero[3];
  int64_t balance_cap_minor;
  int64_t per_payment_limit_minor;
  int64_t daily_limit_minor;
  int64_t annual_limit_minor;
  uint8_t zero2[8];
};

struct WalletOpenedPayload {
  uint64_t wallet;
  uint64_t owner;
  uint64_t account;
  uint64_t linked_account;
  uint32_t wallet_class;
  uint8_t kind;   // WalletKind
  uint8_t flags;  // kWalletWaterfall | kWalletReverseWaterfall
  uint16_t mcc;
  uint16_t region;
  uint8_t zero[6];
};

struct ProgramPublishedPayload {
  uint32_t program;
  uint32_t version;
  uint64_t issuer_wallet;
  uint64_t escrow_account;
  char code[24];  // NUL-padded
};

struct ExchangeLinkSetPayload {
  uint64_t venue_wallet;
  uint64_t tenge_account;
  uint8_t zero[32];
};

// One executed plan (money.h's Plan): cbdc_issued, cbdc_redeemed, program_granted, cbdc_paid, release_done,
// release_disputed, release_cancelled, program_status_changed, program_expired.
struct MoneyPlanPayload {
  uint64_t payer;  // payment: payer; grant: issuer wallet; issue, redeem: the bank; else 0
  uint64_t payee;  // payment: payee; grant, release: holder; else 0
  int64_t amount_minor;
  uint64_t release;  // release_done, release_disputed, release_cancelled
  uint32_t program;
  uint8_t status;           // program_status_changed: ProgramStatus
  uint8_t releases_opened;  // release_opened events after the lot changes (a grant's tranches: at most 8)
  uint8_t zero[2];
  uint32_t postings;     // transfer_posted events that follow (an expiry has one per holder with money)
  uint32_t lot_changes;  // lot_changed events after them; release_closed events come last, up to the next plan
};

struct LotChangedPayload {
  uint64_t holder;
  uint64_t counterparty;  // a wallet id; 0 = none
  int64_t delta_minor;
  uint32_t program;
  uint8_t change;  // LotChangeKind
  uint8_t zero[19];
};

struct ReleaseOpenedPayload {
  uint64_t release;
  uint64_t grant;  // the id of the grant's first tranche
  uint64_t holder;
  int64_t amount_minor;
  uint64_t release_at_ns;  // delayed releases; 0 = a milestone tranche
  uint32_t program;
  uint8_t tranche;
  uint8_t zero[3];
};

struct ReleaseClosedPayload {
  uint64_t release;
  uint64_t holder;
  int64_t amount_minor;
  uint32_t program;
  uint8_t returned;  // 0: to the holder's lot; 1: back to the issuer
  uint8_t zero[19];
};

struct MoneyPartTakenPayload {
  uint16_t command_kind;
  uint8_t zero[46];
};

struct Event {
  uint16_t kind;  // EventKind
  uint16_t reserved;
  uint32_t result;  // Result; ok for everything but rejected and (possibly) duplicate
  uint32_t command_index;  // index of the command in its block, or kNoCommand
  uint32_t reserved2;
  union {
    RejectedPayload rejected;
    DuplicatePayload duplicate;
    AssetCreatedPayload asset_created;
    AccountOpenedPayload account_opened;
    TransferPostedPayload transfer_posted;
    HoldPlacedPayload hold_placed;
    HoldPostedPayload hold_posted;
    HoldReleasedPayload hold_released;
    MarketCreatedPayload market_created;
    MarketRulesSetPayload market_rules_set;
    MarketStatusChangedPayload market_status_changed;
    FeeTierSetPayload fee_tier_set;
    OrderAcceptedPayload order_accepted;
    OrderRestedPayload order_rested;
    OrderFilledPayload order_filled;
    TradePayload trade;
    OrderEndedPayload order_ended;
    OrderTriggeredPayload order_triggered;
    OrderAmendedPayload order_amended;
    LevelChangedPayload level_changed;
    CandleClosedPayload candle_closed;
    ClientFactsSetPayload client_facts;  // client_registered, client_updated
    ClientStatusChangedPayload client_status_changed;
    ClientPolicySetPayload client_policy_set;
    ConversionRateSetPayload conversion_rate_set;
    TierLimitsSetPayload tier_limits_set;
    RetailCapSetPayload retail_cap_set;
    EngineRulesSetPayload engine_rules_set;
    OrderTaggedPayload order_tagged;
    WalletClassDefinedPayload wallet_class_defined;
    WalletOpenedPayload wallet_opened;
    ProgramPublishedPayload program_published;
    ExchangeLinkSetPayload exchange_link_set;
    MoneyPlanPayload money_plan;  // cbdc_issued .. program_expired
    LotChangedPayload lot_changed;
    ReleaseOpenedPayload release_opened;
    ReleaseClosedPayload release_closed;
    MoneyPartTakenPayload money_part_taken;
    uint8_t payload[48];
  };

  EventKind event_kind() const { return static_cast<EventKind>(kind); }
  Result result_code() const { return static_cast<Result>(result); }
};

static_assert(sizeof(RejectedPayload) == 48);
static_assert(sizeof(DuplicatePayload) == 48);
static_assert(sizeof(AssetCreatedPayload) == 48);
static_assert(sizeof(AccountOpenedPayload) == 48);
static_assert(sizeof(TransferPostedPayload) == 48);
static_assert(sizeof(HoldPlacedPayload) == 48);
static_assert(sizeof(HoldPostedPayload) == 48);
static_assert(sizeof(HoldReleasedPayload) == 48);
static_assert(offsetof(HoldReleasedPayload, remaining_minor) == 32);
static_assert(sizeof(MarketCreatedPayload) == 48);
static_assert(sizeof(MarketRulesSetPayload) == 48);
static_assert(sizeof(MarketStatusChangedPayload) == 48);
static_assert(sizeof(FeeTierSetPayload) == 48);
static_assert(sizeof(OrderAcceptedPayload) == 48);
static_assert(sizeof(OrderRestedPayload) == 48);
static_assert(sizeof(OrderFilledPayload) == 48);
static_assert(sizeof(TradePayload) == 48);
static_assert(sizeof(OrderEndedPayload) == 48);
static_assert(sizeof(OrderTriggeredPayload) == 48);
static_assert(sizeof(OrderAmendedPayload) == 48);
static_assert(sizeof(LevelChangedPayload) == 48);
static_assert(sizeof(CandleClosedPayload) == 48);
static_assert(sizeof(ClientFactsSetPayload) == 48);
static_assert(sizeof(ClientStatusChangedPayload) == 48);
static_assert(sizeof(ClientPolicySetPayload) == 48);
static_assert(sizeof(ConversionRateSetPayload) == 48);
static_assert(sizeof(TierLimitsSetPayload) == 48);
static_assert(sizeof(RetailCapSetPayload) == 48);
static_assert(sizeof(EngineRulesSetPayload) == 48);
static_assert(sizeof(OrderTaggedPayload) == 48);
static_assert(sizeof(WalletClassDefinedPayload) == 48);
static_assert(sizeof(WalletOpenedPayload) == 48);
static_assert(sizeof(ProgramPublishedPayload) == 48);
static_assert(sizeof(ExchangeLinkSetPayload) == 48);
static_assert(sizeof(MoneyPlanPayload) == 48);
static_assert(sizeof(LotChangedPayload) == 48);
static_assert(sizeof(ReleaseOpenedPayload) == 48);
static_assert(sizeof(ReleaseClosedPayload) == 48);
static_assert(sizeof(MoneyPartTakenPayload) == 48);
static_assert(sizeof(Event) == kEventSize);
static_assert(offsetof(Event, payload) == 16);
static_assert(std::is_trivially_copyable_v<Event>);

// A zeroed event of `kind` for the command at `command_index`.
Event make_event(EventKind kind, uint32_t command_index);
// The rejected event of `command` (at `command_index`) with `result`.
Event make_rejection(const Command& command, uint32_t command_index, Result result);

const char* event_kind_name(EventKind kind);  // "transfer_posted"; "unknown" otherwise

// Structural check of one 64-byte event record (known kind, known result code, reserved bytes zero).
[[nodiscard]] bool decode_event(std::span<const uint8_t> bytes, Event* out);
void encode_event(const Event& event, uint8_t out[kEventSize]);

}  // namespace qz
