// A reference model of the engine with markets and orders, for differential tests: obviously correct, not fast.
//
// Written from docs/markets.md ("The engine: commands, checks and events (normative)"), docs/market-book.md,
// the comments of src/market/book.h (icebergs, self-trade prevention), src/engine/command.h, event.h and
// engine.h. It shares no code with src/engine/exchange.* and src/market/book.*: books are std::map of price ->
// std::deque of order ids, balances and reservations are std::map, a 30-day volume is a std::map of day -> amount. It
// calls only the pure, separately tested functions of src/market/rules.h (validate_market_config,
// check_limit_order, limit_reservation, market_notional, fill_fee, protection_price) and FeeSchedule::check.
// The money side is the model's own: accounts (total, locked), order reservations and the ledger's transfer id
// counter; the client registry too (docs/clients.md: statuses, the gate, the cancellations), and the client
// limits ("Limits and the retail cap": conversion rates, tier limits, the retail cap, deposits, withdrawals and
// purchases by UTC day and month with its own calendar, and each open buy's commitment). Of the ledger commands
// it models create_asset, open_account and transfer (what the order streams send; no holds, so no post_hold).
//
// A linked group of several commands runs on a copy of the whole state, which replaces the state only when the
// group succeeds; a lone command checks every rule before it changes anything.
//
// Readings of the spec where it is silent or ambiguous (questions for the lead; "R<n>" marks them in the code):
//   R1  Transfer ids: a fill posts, in this order, the notional (buyer's reservation -> seller's quote
//       account), the buyer's fee, the quantity (seller's reservation -> buyer's base account), the seller's fee,
//       each as one ledger transfer that takes the next transfer id; a zero amount, or a movement into the
//       reserved account itself (a self-trade), is no transfer and takes no id (the reservation just shrinks).
//   R2  Duplicates (request id retries): object id = the order id for place_order (0 when rejected),
//       cancel_order (also inside cancel-replace) and amend_order; the market id for create_market,
//       set_market_rules, set_market_status and set_fee_tier; 0 for cancel_all.
//   R3  cancel_all with no open order of the actor. Settled: rejected with order_not_found (as Binance answers),
//       since every command yields an event (the reading "no event at all" stays as the switch's off state).
//   R4  amend_order finds the order like cancel_order: by order id, or by client order id when order id is 0.
//   R5  order_limit_reached is checked for every place_order (IOC, FOK and market orders too): open orders of
//       the market (resting plus waiting stops) >= orders_per_market refuses it. In a cancel-replace the
//       cancelled order no longer counts.
//   R6  Stops: after the command's own order has ended, the waiting stop with the lowest order id that the
//       current last price triggers is activated; then the condition is evaluated again against the (possibly
//       moved) last price, until no waiting stop is triggered. A triggered stop reads its taker tier at
//       activation. GTD expiry applies to waiting stops too.
//   R7  Level changes: a level is "touched" when an order is added to it, removed from it, or its quantity
//       changes (fill, iceberg refill, amend), even when its total and count end where they began. The first
//       level_changed of a market has update id 1. At block start the GTD level changes come after all GTD
//       order_expired events, sorted by (market, side, price). In a cancel-replace they carry the place's
//       command index.
//   R8  Icebergs: a fill takes at most the visible slice; a used-up slice is refilled with min(slice, hidden)
//       and the order goes to the back of its level, and matching goes on (it may meet the same order again).
//       An iceberg taker trades with its whole quantity and rests visible = min(slice, remaining). Amend
//       shrinks the hidden part first. The market_by_quote walk uses the visible level totals.
//   R9  Self-trade prevention uses the taker's mode against makers with the same actor (owner). A FOK passes
//       its fill check with every order within its limit (own orders included); if STP then stops it, it
//       expires with self_trade_taker, and if expiring makers leaves it short, with fok_not_filled.
//   R10 The 30-day volume is per (owner, quote asset) over days today-29 .. today (day = time / 86400 s); a
//       self-trade adds the notional twice (once per side). The maker's tier is read at each fill.
//   R11 A market order's amount_overflow uses the reservation with the actor's fee cap r. market_by_quote:
//       the sell reservation is that of the walked quantity (the normative section, not the holds table's
//       "quote / protection price, rounded up to a lot"); with no lot reachable it is accepted with price 0,
//       qty 0, nothing reserved and at once order_expired (market_remainder, all zero).
//   R12 Linked groups: a group still open at the end of the block is linked_group_open for every member
//       (docs/result-codes.md step 2), whatever its kinds. A closed group of exactly cancel_order then
//       place_order with the same market and actor is a cancel-replace; any other group with a market or
//       order command (including such a pair with different markets or actors) is linked_group_unsupported
//       for every member, before structural checks. In a cancel-replace a failing member keeps its code and
//       the other gets linked_event_failed.
//   R13 set_fee_tier: a tier that grows the schedule without being the one set is all zero (so the schedule
//       is invalid: fee_tiers_invalid). The FeeSchedule::check fault decides the code: fee_above_maximum ->
//       market_fee_invalid, every other fault -> fee_tiers_invalid (thresholds are checked before fees).
//   R14 Stop types need stop price > 0 at check 3 (order_type_invalid), as the table says; check 5 then
//       tests the tick and the immediate trigger.
//   R15 set_market_status to the status the market already has (not closed) is allowed and emits the event.
//       A reference price given while closing is still stored and reported.
//   R16 Was a hole in the spec: the market_by_quote walk counted the taker's own orders, which STP expire_maker
//       (mode 2) then takes off the book while matching, so a buy could trade the walked quantity at worse prices
//       and spend more than its reservation Q + ceil(Q r). Settled: the walk leaves out the makers STP will expire
//       (modes 2 and 3). The model still reports any over-spend it would make (broken_promise()).
//   R17 Purchase checks (docs/clients.md) come after check 10 (order_limit_reached, the reservation's
//       amount_overflow) and before check 11 (insufficient_funds): docs/markets.md's list does not name them;
//       the engine runs them in prepare_place, before it locks the reservation.
//   R18 A deposit or withdrawal is counted only when the client's tier has a limit of that kind at the time (the
//       spec says when one is checked, not when counted). Its value not fitting in int64 is amount_overflow,
//       after conversion_rate_missing and before the limits (the spec is silent).
//   R19 Duplicates: object id = the asset for set_conversion_rate, the tier for set_tier_limits, 0 for
//       set_retail_cap (the spec names only the client commands' object ids).
//
// Settled by the lead (docs/markets.md now says so): R2, R5 and R12 as read here; R3 (an empty cancel_all is
// order_not_found), R6 (stops in rounds, each reporting the price that triggered its round), R9, R10 (volumes per
// market) and R11 (protection price; a market sell's notional overflow) as the engine does, so those readings
// are on by default; R16 by not counting makers that STP will expire in the walk. The two engine bugs are fixed.
// ReferenceReadings keeps the switches so a run can explore the alternatives.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/checked.h"
#include "engine/command.h"
#include "engine/event.h"
#include "ledger/ledger.h"
#include "market/fees.h"
#include "market/rules.h"

namespace qz::testing {

// Alternative readings of ambiguous points (the R<n> above), all off by default: the model follows the readings
// written above. An alternative lets a differential run go past a known, unsettled difference to find the next
// one (QZ_EXCHANGE_READINGS=name,name in the test); each name is listed in readings_help().
struct ReferenceReadings {
  // Readings the engine takes where the spec is open to both (the R<n> above).
  bool admin_object_zero = false;           // R2: set_market_rules / _status / set_fee_tier remember object id 0
  bool cancel_amend_object_zero = false;    // R2: cancel_order and amend_order remember object id 0
  bool empty_cancel_all_not_found = true;  // R3: cancel_all with nothing open is rejected order_not_found
  bool mbq_empty_skips_limit = false;       // R5: a market_by_quote reaching nothing skips order_limit_reached
  bool stops_in_rounds = true;             // R6: every stop the last price triggers is activated (id order) before the
                                            // condition is read again; order_triggered reports the last price then
  bool fok_short_after_stp_is_self_trade = true;  // R9: a FOK left short after STP expired makers:
                                                   // self_trade_taker, not fok_not_filled
  bool volume_per_market = true;                  // R10: 30-day volumes per market, not per quote asset
  bool mbq_empty_at_protection = true;            // R11: a market_by_quote reaching nothing: price = protection
  bool market_sell_notional_overflow = true;      // R11: a market sell's amount_overflow also covers its
                                                   // notional at the protection price
  bool pair_mismatch_cancel_first = false;         // R12: a cancel + place pair on different markets or actors
                                                   // runs the cancel, then the place is linked_group_unsupported
  // What the engine does where the spec says otherwise (engine bugs, in this model's reading).
  bool bug_mbq_walk_before_cancel = false;  // a cancel-replace's market_by_quote walk still sees the
                                            // cancelled order ("checked as if the cancel had happened")
  bool bug_mbq_empty_drops_levels = false;  // a cancel-replace whose market_by_quote reaches nothing leaves
                                            // the cancel's level_changed to the next order command (R7)
  bool bug_purchase_overflow_first = false;  // a limited client's buy whose tenge value overflows is
                                             // amount_overflow before the dollar rate and the limits (spec: last)
  bool purchase_checks_after_funds = false;  // R17: the purchase checks come after insufficient_funds
};
// Sets the readings named in a comma-separated list; false (and *out unchanged) on an unknown name.
bool parse_readings(const std::string& names, ReferenceReadings* out);
std::string readings_help();

struct ReferenceMarketLimits {
  uint32_t max_markets = 16;
  uint32_t orders_per_market = 1u << 16;
};

class ReferenceExchange {
 public:
  struct AssetState {
    std::string code;
    uint8_t scale = 0;
  };
  struct AccountState {
    uint64_t owner = 0;
    uint32_t asset = 0;
    uint8_t kind = 0;
    int64_t total_minor = 0;
    int64_t locked_minor = 0;  // the streams place no ledger holds: nothing is held, only locked
  };
  struct ReservationState {  // what an open (or just ending) order has locked
    uint64_t account = 0;
    int64_t remaining_minor = 0;
  };
  struct OrderState {
    uint64_t id = 0;
    uint32_t market = 0;
    uint64_t owner = 0;
    uint64_t client_id = 0;  // the place_order's request id
    uint8_t side = 0;        // OrderSideCode
    uint8_t type = 0;        // OrderType
    uint8_t tif = 0;         // OrderTif
    uint8_t stp = 0;
    int64_t price_minor = 0;  // limit price
    int64_t qty_minor = 0;    // the order's quantity (amend lowers it)
    int64_t executed_minor = 0;
    int64_t stop_price_minor = 0;
    int64_t slice_minor = 0;    // iceberg slice; 0 = not an iceberg
    int64_t visible_minor = 0;  // on the book now (resting orders)
    int64_t hidden_minor = 0;
    uint64_t expiry_ns = 0;  // GTD
    uint64_t spend_account = 0;  // its reservation's account
    uint32_t fee_cap_bps = 0;  // r, fixed at placement
    bool waiting = false;      // a stop order not yet triggered
    bool resting = false;
    // A registered client's buy (docs/clients.md): the tenge value still committed, and the quote asset's rate
    // at placement (0 = not counted as a purchase).
    int64_t commitment_tiyn = 0;
    int64_t commit_rate = 0;
    int64_t remaining_minor() const { return qty_minor - executed_minor; }
  };
  struct CandleState {
    bool active = false;
    int64_t open_time_ms = 0;
    int64_t open = 0, high = 0, low = 0, close = 0;
  };
  struct MarketState {
    uint32_t id = 0;
    MarketConfig config;            // status, filters; fees = tier 0
    std::vector<FeeTier> tiers;     // the fee schedule
    uint64_t fee_account_base = 0;  // 0 = not set
    uint64_t fee_account_quote = 0;
    int64_t reference_minor = 0;   // last trade, or the operator's price until the next trade
    int64_t last_trade_minor = 0;  // 0 = no trade yet
    uint64_t update_id = 0;
    CandleState candle;
    std::map<int64_t, std::deque<uint64_t>, std::greater<int64_t>> bids;  // price -> order ids, oldest first
    std::map<int64_t, std::deque<uint64_t>> asks;
  };
  struct ClientState {  // docs/clients.md
    uint8_t classification = 0;
    uint8_t tier = 0;
    char residence[2] = {0, 0};
    char nationality[2] = {0, 0};
    uint8_t knowledge_test = 0;
    uint8_t status = 1;  // 1 pending, 2 active, 3 frozen, 4 offboarded
    uint16_t reason = 1;
  };
  struct PeriodLimitState {  // tiyn; 0 = no limit for that period
    int64_t daily_tiyn = 0;
    int64_t monthly_tiyn = 0;
  };
  // Limit kinds (docs/clients.md): 1 deposit, 2 withdrawal, 3 purchase.
  static constexpr uint8_t kDeposit = 1;
  static constexpr uint8_t kWithdrawal = 2;
  static constexpr uint8_t kPurchase = 3;
  using DayKey = std::tuple<uint64_t, uint8_t, uint64_t>;    // (client, kind, day since 1970-01-01)
  using MonthKey = std::tuple<uint64_t, uint8_t, uint32_t>;  // (client, kind, year * 12 + month - 1)
  using VolumeKey = std::pair<uint64_t, uint32_t>;  // (owner, quote asset)
  struct State {
    std::map<uint32_t, AssetState> assets;
    std::map<uint64_t, AccountState> accounts;
    std::map<uint64_t, ReservationState> reservations;  // by order id
    uint64_t next_transfer_id = 1;
    std::map<uint32_t, MarketState> markets;
    std::map<uint64_t, OrderState> orders;                     // open orders: resting or waiting
    std::map<VolumeKey, std::map<uint64_t, int64_t>> volumes;  // day -> quote traded
    uint64_t next_order_id = 1;
    uint64_t next_trade_id = 1;
    std::set<std::tuple<uint32_t, uint8_t, int64_t>> carried_levels;  // bug_mbq_empty_drops_levels only
    std::map<uint64_t, ClientState> clients;
    bool require_registered = false;
    // Client limits.
    std::map<uint32_t, int64_t> rates;  // asset (0 = the US dollar) -> tiyn per whole unit
    std::map<std::pair<uint8_t, uint8_t>, PeriodLimitState> tier_limits;  // (tier, kind); absent = none
    int64_t cap_usd_cents = 0;                                           // 0 = no retail cap
    char cap_residence[2] = {0, 0};
    std::map<DayKey, int128> used_by_day;  // what was deposited, withdrawn or purchased, exact
    std::map<MonthKey, int128> used_by_month;
    uint32_t rules_version = 1;  // set_engine_rules
  };
  struct Answer {
    std::array<uint8_t, kCommandSize> command{};
    uint32_t result = 0;
    uint64_t object_id = 0;
  };
  using AnswerKey = std::pair<uint64_t, uint64_t>;  // (actor, request id)

  ReferenceExchange(const LedgerLimits& ledger_limits, const ReferenceMarketLimits& market_limits,
                    const ReferenceReadings& readings = {})
      : ledger_limits_(ledger_limits), market_limits_(market_limits), readings_(readings) {}

  // Same contract as Engine::apply: appends the block's events.
  void apply(uint64_t time_ns, std::span<const Command> commands, std::vector<Event>* events);

  const State& state() const { return state_; }
  const std::map<AnswerKey, Answer>& answers() const { return answers_; }
  const ReferenceMarketLimits& market_limits() const { return market_limits_; }
  const LedgerLimits& ledger_limits() const { return ledger_limits_; }

  // Per asset, the sum of all totals.
  std::map<uint32_t, int128> asset_sums() const;
  // The trading account of (owner, asset): the first customer account opened for them; 0 if none.
  static uint64_t trading_account(const State& state, uint64_t owner, uint32_t asset);
  // 30-day volume of (owner, quote asset) at time_ns.
  static int64_t volume(const State& state, uint64_t owner, uint32_t asset, uint64_t time_ns);
  // Year * 12 + month - 1 of the UTC calendar month of a day number (days since 1970-01-01).
  static uint32_t month_of_day(uint64_t day);
  // A client's deposits, withdrawals or purchases (kind 1-3) on the UTC day / in the month of time_ns.
  static int128 used_today(const State& state, uint64_t client, uint8_t kind, uint64_t time_ns);
  static int128 used_this_month(const State& state, uint64_t client, uint8_t kind, uint64_t time_ns);
  // The sum of the commitments of a client's open orders.
  static int128 committed(const State& state, uint64_t client);
  // The limits of (tier, kind); zeros when none were set.
  static PeriodLimitState tier_limit(const State& state, uint8_t tier, uint8_t kind);
  // Empty unless following the spec made a fill spend more than its order's reservation (the spec's promise that a
  // reservation covers every fill broke); then what happened, for the first time it did.
  const std::string& broken_promise() const { return broken_promise_; }
  // Empty when the model's own invariants hold (each order reserves its reservation, locked = sum of them, books
  // consistent).
  std::string check_invariants() const;

 private:
  class Run;  // one command (or cancel-replace pair) at work on a state
  void apply_group(std::span<const Command> group, uint32_t first_index, bool open, uint64_t time_ns,
                   std::vector<Event>* events);
  void begin_block(uint64_t time_ns, std::vector<Event>* events);
  void remember(const Command& command, Result result, uint64_t object_id);
  // Whether the request id goes through the answers (from rules version 2 on, a place_order's does not).
  bool tracked(const Command& command) const;

  LedgerLimits ledger_limits_;
  ReferenceMarketLimits market_limits_;
  ReferenceReadings readings_;
  State state_;
  std::map<AnswerKey, Answer> answers_;
  std::string broken_promise_;
};

// The structural check (validate_command) written out independently for every kind.
Result reference_validate_any(const Command& command);

// Field-by-field text of any event or command (market kinds included), for failure messages.
std::string describe_any(const Event& event);
std::string describe_any(const Command& command);

}  // namespace qz::testing
