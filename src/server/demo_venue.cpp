#include "server/demo_venue.h"

#include <pthread.h>
#include <chrono>

#include "base/assert.h"
#include "base/decimal.h"
#include "market/rules.h"

namespace qz::server {

namespace {

constexpr uint64_t kMakerUser = 100;
constexpr uint64_t kTakerUser = 101;
// Limit prices from 20% to 180% of the last trade (Binance's majors allow 0.2x to 5x); market orders sweep no
// further than that either.
constexpr uint32_t kBandBps = 8'000;

struct AssetPlan {
  const char* code;
  uint8_t scale;
  const char* trader_funds;  // each demo trader's deposit
  const char* maker_funds;   // the market maker's and the taker's
};
constexpr AssetPlan kAssets[] = {
    {"KZT", 2, "25000000.00", "50000000000.00"},
    {"BTC", 8, "2", "2000"},
    {"ETH", 8, "40", "40000"},
    {"USDT", 6, "50000", "100000000"},
};

struct MarketPlan {
  const char* base;
  const char* quote;
  const char* tick;  // in the quote asset
  const char* lot;   // in the base asset
  const char* max_qty;
  const char* min_notional;
  const char* reference;  // the operator's opening price
};
// tick * lot is a whole quote minor unit in each, as the engine requires (docs/markets.md).
constexpr MarketPlan kMarkets[] = {
    {"BTC", "KZT", "100.00", "0.0001", "100", "5000.00", "52000000.00"},
    {"ETH", "KZT", "10.00", "0.001", "2000", "5000.00", "1750000.00"},
    {"USDT", "KZT", "0.01", "1", "1000000", "5000.00", "520.00"},
    {"BTC", "USDT", "0.1", "0.00001", "100", "5", "100000.0"},
    {"ETH", "USDT", "0.01", "0.0001", "2000", "5", "3500.00"},
};

struct TraderPlan {
  const char* name;
  uint64_t user;
};
constexpr TraderPlan kTraders[] = {{"Aigerim", 1001}, {"Bauyrzhan", 1002}, {"Dana", 1003}};

int64_t minor(const char* text, uint8_t scale) {
  int64_t value = 0;
  QZ_ASSERT(parse_decimal(text, scale, &value) == DecimalError::ok);
  return value;
}

Status submit_checked(Venue* venue, std::vector<Command> commands, const char* what, SubmitResult* result) {
  QZ_TRY(venue->submit(commands, result));
  for (const Event& event : result->events) {
    if (event.event_kind() == EventKind::rejected) {
      return Status::error(std::string("demo: ") + what + " was refused: " + result_message(event.result_code()));
    }
  }
  return Status::ok();
}

uint64_t next_random(uint64_t* state) {
  // splitmix64
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Status set_up_demo(Venue* venue, DemoSetup* out) {
  *out = DemoSetup{};
  if (!venue->market_data().assets().empty()) {
    return Status::error("demo: the data directory already has assets; the demo needs a fresh one");
  }
  SubmitResult result;
  std::vector<Command> commands;
  for (const AssetPlan& asset : kAssets) commands.push_back(make_create_asset(asset.code, asset.scale));
  QZ_TRY(submit_checked(venue, commands, "creating the assets", &result));
  std::vector<uint32_t> asset_ids;
  for (const Event& event : result.events) asset_ids.push_back(event.asset_created.asset);
  const auto asset_index = [&](const char* code) -> size_t {
    for (size_t i = 0; i < std::size(kAssets); i++) {
      if (std::string_view(kAssets[i].code) == code) return i;
    }
    QZ_ASSERT_MSG(false, "demo: an unknown asset");
    return 0;
  };

  // The venue's issuance and fee accounts, and every user's trading account in every asset.
  std::vector<uint64_t> users = {kMakerUser, kTakerUser};
  for (const TraderPlan& trader : kTraders) users.push_back(trader.user);
  QZ_TRY(venue->create_user(kMakerUser, "market maker", Role::customer));
  QZ_TRY(venue->create_user(kTakerUser, "taker", Role::customer));
  for (const TraderPlan& trader : kTraders) QZ_TRY(venue->create_user(trader.user, trader.name, Role::customer));
  commands.clear();
  for (const uint32_t asset : asset_ids) {
    commands.push_back(make_open_account(kVenueOwner, asset, AccountKind::issuance));
    commands.push_back(make_open_account(kVenueOwner, asset, AccountKind::fee_income));
  }
  for (const uint64_t user : users) {
    for (const uint32_t asset : asset_ids) commands.push_back(make_open_account(user, asset, AccountKind::customer));
  }
  QZ_TRY(submit_checked(venue, commands, "opening the accounts", &result));
  std::vector<uint64_t> account_ids;
  for (const Event& event : result.events) account_ids.push_back(event.account_opened.account);
  const auto issuance = [&](size_t asset) { return account_ids[2 * asset]; };
  const auto fees = [&](size_t asset) { return account_ids[2 * asset + 1]; };
  const auto trading = [&](size_t user_index, size_t asset) {
    return account_ids[2 * asset_ids.size() + user_index * asset_ids.size() + asset];
  };

  // Deposits.
  commands.clear();
  for (size_t u = 0; u < users.size(); u++) {
    for (size_t a = 0; a < asset_ids.size(); a++) {
      const char* amount = u < 2 ? kAssets[a].maker_funds : kAssets[a].trader_funds;
      commands.push_back(make_transfer(issuance(a), trading(u, a), minor(amount, kAssets[a].scale)));
    }
  }
  QZ_TRY(submit_checked(venue, commands, "funding the accounts", &result));

  // Markets: created, given rules and fee accounts, opened at the operator's reference price.
  for (const MarketPlan& plan : kMarkets) {
    const size_t base = asset_index(plan.base);
    const size_t quote = asset_index(plan.quote);
    const uint8_t base_scale = kAssets[base].scale;
    const uint8_t quote_scale = kAssets[quote].scale;
    const int64_t lot = minor(plan.lot, base_scale);
    QZ_TRY(submit_checked(venue,
                          {make_create_market(asset_ids[base], asset_ids[quote], minor(plan.tick, quote_scale), lot,
                                              lot, minor(plan.max_qty, base_scale))},
                          "creating a market", &result));
    const uint32_t market = result.events[0].market_created.market;
    const int64_t reference = minor(plan.reference, quote_scale);
    QZ_TRY(submit_checked(venue,
                          {make_set_market_rules(market, kBandBps, minor(plan.min_notional, quote_scale), 10, 20,
                                                 fees(base), fees(quote)),
                           make_set_market_status(market, static_cast<uint8_t>(MarketStatus::trading), reference)},
                          "opening a market", &result));
    out->markets.push_back(DemoMarket{.symbol = std::string(plan.base) + plan.quote, .id = market,
                                      .reference_price_minor = reference});
  }

  // API keys for the traders (read and trade).
  for (const TraderPlan& plan : kTraders) {
    KeySpec spec;
    spec.owner_user = plan.user;
    spec.role = Role::customer;
    spec.permissions = static_cast<uint8_t>(Permission::read) | static_cast<uint8_t>(Permission::trade);
    spec.created_ms = static_cast<int64_t>(venue->now_ms());
    CreatedHmacKey key;
    QZ_TRY(venue->create_hmac_key(spec, &key));
    out->traders.push_back(DemoTrader{.name = plan.name, .user = plan.user, .api_key = key.key_id,
                                      .secret = std::string(key.secret.reveal())});
  }
  out->maker_user = kMakerUser;
  out->taker_user = kTakerUser;
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------------------------

MarketMaker::MarketMaker(Venue* venue, const DemoSetup& setup, uint64_t seed, unsigned period_ms)
    : venue_(venue), setup_(setup), rng_(seed), period_ms_(period_ms) {
  for (const DemoMarket& market : setup_.markets) mids_.push_back(market.reference_price_minor);
}

MarketMaker::~MarketMaker() { stop(); }

void MarketMaker::start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
}

void MarketMaker::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void MarketMaker::run() {
  pthread_setname_np(pthread_self(), "qz-demo-maker");
  while (!stop_.load()) {
    round();
    rounds_.fetch_add(1);
    for (unsigned waited = 0; waited < period_ms_ && !stop_.load(); waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

void MarketMaker::round() {
  for (size_t i = 0; i < setup_.markets.size(); i++) {
    const std::optional<MarketInfo> info = venue_->market_data().market(setup_.markets[i].id);
    if (!info || info->status != static_cast<uint8_t>(MarketStatus::trading)) continue;
    const MarketInfo& m = *info;
    // The price walks by up to 5 ticks a round, staying within 10% of the reference.
    const int64_t reference = setup_.markets[i].reference_price_minor;
    int64_t mid = mids_[i] + (static_cast<int64_t>(next_random(&rng_) % 11) - 5) * m.tick_size;
    mid = std::clamp(mid, reference - reference / 10, reference + reference / 10);
    mid -= mid % m.tick_size;
    mids_[i] = mid;

    MarketConfig config;
    config.base_scale = m.base.scale;
    config.quote_scale = m.quote.scale;
    config.tick_size = m.tick_size;
    config.lot_step = m.lot_step;
    // Lots for an order worth about `multiple` minimum notionals at `price`.
    const auto lots_for = [&](int64_t price, int64_t multiple) {
      int64_t one_lot = 0;
      if (!market_notional(config, price, m.lot_step, &one_lot) || one_lot <= 0) return int64_t{1};
      const int64_t wanted = std::max<int64_t>(m.min_notional, 1) * multiple;
      return std::max<int64_t>(1, (wanted + one_lot - 1) / one_lot);
    };

    std::vector<Command> quotes;
    Command cancel = make_cancel_all(setup_.maker_user, m.id);
    SubmitResult ignored;
    if (!venue_->submit({&cancel, 1}, &ignored).is_ok()) return;  // nothing open is a harmless rejection
    constexpr int kLevels = 6;
    for (int level = 1; level <= kLevels; level++) {
      for (const OrderSideCode side : {OrderSideCode::buy, OrderSideCode::sell}) {
        const int64_t offset = (level * 2 - 1) * m.tick_size * std::max<int64_t>(1, mid / m.tick_size / 4000);
        const int64_t price = side == OrderSideCode::buy ? mid - offset : mid + offset;
        if (price <= 0) continue;
        const int64_t lots = lots_for(price, 2 + static_cast<int64_t>(next_random(&rng_) % 8));
        quotes.push_back(make_place_order(setup_.maker_user, m.id, side, OrderType::limit, OrderTif::gtc, price,
                                          lots * m.lot_step));
      }
    }
    if (!venue_->submit(quotes, &ignored).is_ok()) return;
    // Now and then someone takes liquidity.
    if (next_random(&rng_) % 3 == 0) {
      const bool buy = next_random(&rng_) % 2 == 0;
      const int64_t price = buy ? mid + mid / 50 : mid - mid / 50;
      const int64_t lots = lots_for(mid, 1 + static_cast<int64_t>(next_random(&rng_) % 4));
      Command take = make_place_order(setup_.taker_user, m.id, buy ? OrderSideCode::buy : OrderSideCode::sell,
                                      OrderType::limit, OrderTif::ioc, price - price % m.tick_size,
                                      lots * m.lot_step);
      if (!venue_->submit({&take, 1}, &ignored).is_ok()) return;
    }
  }
}

}  // namespace qz::server
