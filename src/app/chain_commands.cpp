// `qazna init`, `qazna verify` and `qazna inspect`.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "app/app.h"
#include "app/ivms101.h"
#include "base/decimal.h"
#include "engine/engine.h"
#include "json/writer.h"
#include "sqlite/sqlite.h"

namespace qz::app {

namespace {

bool path_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace

int run_init(const InitArgs& args) {
  if (path_exists(args.data_dir + "/journal.db")) {
    std::fprintf(stderr, "qazna init: %s already holds a journal; refusing to overwrite it\n", args.data_dir.c_str());
    return kExitRefused;
  }
  // init_data_dir makes the directory itself but not its parents.
  const std::filesystem::path parent = std::filesystem::path(args.data_dir).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      std::fprintf(stderr, "qazna init: cannot create %s: %s\n", parent.c_str(), error.message().c_str());
      return kExitFailure;
    }
  }
  const Status status = init_data_dir(InitOptions{.data_dir = args.data_dir});
  if (!status.is_ok()) {
    std::fprintf(stderr, "qazna init: %s\n", status.message().c_str());
    return kExitFailure;
  }
  VerifyReport report;
  const Status verified = verify_data_dir(args.data_dir, "", &report);
  if (!verified.is_ok()) {
    std::fprintf(stderr, "qazna init: the new journal does not verify: %s\n", verified.message().c_str());
    return kExitFailure;
  }
  std::printf("initialised %s\n", args.data_dir.c_str());
  std::printf("  genesis block:       height %llu, hash %s\n", static_cast<unsigned long long>(report.height),
              report.last_hash.hex().c_str());
  std::printf("  state hash:          %s\n", report.state_hash.hex().c_str());
  std::printf("  operator public key: %s (%s/keys/operator.pub)\n", read_public_key_hex(args.data_dir).c_str(),
              args.data_dir.c_str());
  std::printf("  operator secret key: %s/keys/operator.key (keep it private)\n", args.data_dir.c_str());
  return kExitOk;
}

int run_verify(const VerifyArgs& args) {
  VerifyReport report;
  const Status status = verify_data_dir(args.data_dir, args.public_key_hex, &report);
  if (!status.is_ok()) {
    std::string message = status.message();
    if (message.rfind("verify: ", 0) == 0) message.erase(0, 8);
    std::fprintf(stderr, "qazna verify: FAILED: %s\n", message.c_str());
    return kExitRefused;
  }
  uint64_t travel_records = 0;
  if (const Status travel = verify_travel_rule(args.data_dir, &travel_records); !travel.is_ok()) {
    std::fprintf(stderr, "qazna verify: FAILED: %s\n", travel.message().c_str());
    return kExitRefused;
  }
  const std::string key = args.public_key_hex.empty() ? read_public_key_hex(args.data_dir) : args.public_key_hex;
  std::printf("verify: ok\n");
  std::printf("  blocks:     %llu (heights 0 to %llu), hashes chained, signatures valid\n",
              static_cast<unsigned long long>(report.blocks), static_cast<unsigned long long>(report.height));
  std::printf("  replayed:   %llu commands, %llu events; events roots and state hashes match\n",
              static_cast<unsigned long long>(report.commands), static_cast<unsigned long long>(report.events));
  std::printf("  last hash:  %s\n", report.last_hash.hex().c_str());
  std::printf("  state hash: %s\n", report.state_hash.hex().c_str());
  std::printf("  signed by:  %s%s\n", key.c_str(), args.public_key_hex.empty() ? " (keys/operator.pub)" : "");
  if (travel_records > 0) {
    std::printf("  travel rule: %llu records match their digests and the journal's references\n",
                static_cast<unsigned long long>(travel_records));
  }
  return kExitOk;
}

Status verify_travel_rule(const std::string& data_dir, uint64_t* records) {
  *records = 0;
  const std::string path = data_dir + "/travel_rule.db";
  if (!path_exists(path)) return Status::ok();
  std::unique_ptr<sqlite::Database> db;
  QZ_TRY(sqlite::Database::open(path, sqlite::OpenOptions{.read_only = true}, &db));
  sqlite::Statement select;
  QZ_TRY(db->prepare("SELECT kind, id, height, digest, record FROM movements ORDER BY height, kind, id", &select));
  struct Expected {
    uint64_t height = 0;
    uint64_t reference = 0;
    bool seen = false;
  };
  std::map<std::pair<std::string, uint64_t>, Expected> expected;  // (kind, hold or transfer id)
  uint64_t first_height = UINT64_MAX;
  for (;;) {
    bool row = false;
    QZ_TRY(select.step(&row, "reading the travel-rule records"));
    if (!row) break;
    const std::string kind = select.column_text(0);
    const uint64_t id = select.column_u64(1);
    const std::string what = "travel rule: the record of " + kind + " " + std::to_string(id);
    Ivms101Record record;
    Hash256 digest;
    if (!parse_ivms101(select.column_text(4), &record).is_ok() || !Hash256::from_hex(select.column_text(3), &digest) ||
        ivms101_digest(record) != digest) {
      return Status::error(what + " does not match its digest");
    }
    expected[{kind, id}] = Expected{.height = select.column_u64(2), .reference = ivms101_reference(digest)};
    first_height = std::min(first_height, select.column_u64(2));
  }
  if (expected.empty()) return Status::ok();
  uint64_t height = 0;
  QZ_TRY(replay_journal_blocks(
      data_dir, first_height,
      [&](const Block& block, std::span<const Event> events) {
        for (const Event& event : events) {
          const bool hold = event.event_kind() == EventKind::hold_placed;
          if ((!hold && event.event_kind() != EventKind::transfer_posted) || event.command_index >= block.commands.size()) {
            continue;
          }
          const auto found = expected.find({hold ? "withdrawal" : "deposit",
                                            hold ? event.hold_placed.hold : event.transfer_posted.transfer});
          if (found == expected.end()) continue;
          const Command& command = block.commands[event.command_index];
          const uint64_t reference = hold ? command.hold.reference : command.transfer.reference;
          if (found->second.height != block.header.height || reference != found->second.reference) {
            return Status::error("travel rule: " + found->first.first + " " + std::to_string(found->first.second) +
                                 " in block " + std::to_string(block.header.height) +
                                 " does not carry its record's digest");
          }
          found->second.seen = true;
        }
        return Status::ok();
      },
      &height));
  for (const auto& [key, entry] : expected) {
    if (!entry.seen) {
      return Status::error("travel rule: " + key.first + " " + std::to_string(key.second) + " is not in block " +
                           std::to_string(entry.height));
    }
  }
  *records = expected.size();
  return Status::ok();
}

namespace {

struct AccountRow {
  uint64_t id;
  uint64_t owner;
  std::string asset;
  std::string kind;
  std::string total;
  std::string held;    // by ledger holds
  std::string locked;  // by open orders
  std::string available;
};

struct InspectView {
  uint64_t height = 0;
  Hash256 last_hash;
  Hash256 state_hash;
  uint64_t transfers = 0;
  uint64_t holds_placed = 0;
  uint64_t live_holds = 0;
  uint64_t request_ids = 0;
  uint64_t clients_by_status[5] = {};  // index = ClientStatus (1 pending .. 4 offboarded)
  bool require_registered = false;
  std::vector<std::pair<std::string, uint32_t>> asset_rows;  // code, scale
  std::vector<AccountRow> accounts;
  std::vector<std::pair<std::string, std::string>> rates;  // asset code (or USD), tenge per unit
  struct TierRow {
    uint8_t tier;
    const char* kind;
    std::string daily;    // tenge; "" = none
    std::string monthly;
  };
  std::vector<TierRow> tier_limits;  // only the tiers and kinds with a limit
  std::string cap_usd;               // "" = no cap
  std::string cap_residence;
  struct UsageRow {
    uint64_t client;
    std::string committed;  // tenge
    std::string purchased_month;
    std::string deposited_month;
    std::string withdrawn_month;
  };
  std::vector<UsageRow> usage;  // clients with counters, in id order
};

std::string tenge(int64_t tiyn) { return format_decimal(tiyn, 2); }

void collect(const Engine& engine, InspectView* view) {
  const Ledger& ledger = engine.ledger();
  view->state_hash = engine.state_hash();
  view->transfers = ledger.next_transfer_id() - 1;
  view->holds_placed = ledger.next_hold_id() - 1;
  view->live_holds = ledger.live_hold_count();
  view->request_ids = engine.requests().size();
  const ClientRegistry& clients = engine.clients();
  clients.for_each([&](const Client& client) { view->clients_by_status[static_cast<uint8_t>(client.status)]++; });
  view->require_registered = clients.require_registered();
  for (const auto& [asset, rate] : engine.rates().all()) {
    const Asset* found = asset == kUsdRateAsset ? nullptr : ledger.asset(asset);
    view->rates.emplace_back(found == nullptr ? std::string("USD") : std::string(found->code_view()), tenge(rate));
  }
  const ClientLimits& limits = engine.limits();
  for (uint8_t tier = 0; tier <= kMaxKycTier; tier++) {
    for (uint8_t kind = 1; kind <= kLimitKinds; kind++) {
      const PeriodLimit limit = limits.tier_limit(tier, static_cast<LimitKind>(kind));
      if (limit.daily_tiyn == 0 && limit.monthly_tiyn == 0) continue;
      view->tier_limits.push_back(InspectView::TierRow{
          .tier = tier,
          .kind = limit_kind_name(static_cast<LimitKind>(kind)),
          .daily = limit.daily_tiyn == 0 ? std::string() : tenge(limit.daily_tiyn),
          .monthly = limit.monthly_tiyn == 0 ? std::string() : tenge(limit.monthly_tiyn)});
    }
  }
  if (limits.retail_cap().usd_cents != 0) {
    view->cap_usd = format_decimal(limits.retail_cap().usd_cents, 2);
    view->cap_residence = std::string(limits.retail_cap().residence.data(), 2);
  }
  const Period now = period_of(engine.last_time_ns());
  limits.for_each_usage([&](uint64_t client, const ClientUsage& used) {
    view->usage.push_back(InspectView::UsageRow{
        .client = client,
        .committed = tenge(used.committed_tiyn),
        .purchased_month = tenge(ClientLimits::monthly(used, LimitKind::purchase, now)),
        .deposited_month = tenge(ClientLimits::monthly(used, LimitKind::deposit, now)),
        .withdrawn_month = tenge(ClientLimits::monthly(used, LimitKind::withdrawal, now))});
  });
  for (uint32_t id = 1; id <= ledger.asset_count(); id++) {
    const Asset* asset = ledger.asset(id);
    view->asset_rows.emplace_back(std::string(asset->code_view()), asset->scale);
  }
  for (uint64_t id = 1; id <= ledger.account_count(); id++) {
    const Account* account = ledger.account(id);
    const Asset* asset = ledger.asset(account->asset);
    view->accounts.push_back(AccountRow{.id = id,
                                        .owner = account->owner,
                                        .asset = std::string(asset->code_view()),
                                        .kind = account_kind_name(account->kind),
                                        .total = format_decimal(account->total_minor, asset->scale),
                                        .held = format_decimal(account->held_minor, asset->scale),
                                        .locked = format_decimal(account->locked_minor, asset->scale),
                                        .available = format_decimal(account->available_minor(), asset->scale)});
  }
}

void print_json(const InspectView& view) {
  json::Writer json;
  json.begin_object();
  json.field("height", view.height);
  json.field("last_hash", view.last_hash.hex());
  json.field("state_hash", view.state_hash.hex());
  json.key("assets").begin_array();
  for (size_t i = 0; i < view.asset_rows.size(); i++) {
    json.begin_object()
        .field("id", static_cast<uint64_t>(i + 1))
        .field("code", view.asset_rows[i].first)
        .field("scale", view.asset_rows[i].second)
        .end_object();
  }
  json.end_array();
  json.key("accounts").begin_array();
  for (const AccountRow& row : view.accounts) {
    json.begin_object()
        .field("id", row.id)
        .field("owner", row.owner)
        .field("asset", row.asset)
        .field("kind", row.kind)
        .field("total", row.total)
        .field("held", row.held)
        .field("locked", row.locked)
        .field("available", row.available)
        .end_object();
  }
  json.end_array();
  json.field("live_holds", view.live_holds);
  json.field("holds_placed", view.holds_placed);
  json.field("transfers", view.transfers);
  json.field("request_ids", view.request_ids);
  json.key("clients").begin_object();
  for (uint8_t status = 1; status <= 4; status++) {
    json.field(client_status_name(static_cast<ClientStatus>(status)), view.clients_by_status[status]);
  }
  json.field("require_registered", view.require_registered);
  json.end_object();
  json.key("rates").begin_object();  // tenge per unit
  for (const auto& [asset, rate] : view.rates) json.field(asset, rate);
  json.end_object();
  json.key("limits").begin_object();
  json.key("tiers").begin_array();
  for (const InspectView::TierRow& row : view.tier_limits) {
    json.begin_object()
        .field("tier", uint64_t{row.tier})
        .field("kind", std::string_view(row.kind))
        .field("daily", row.daily)
        .field("monthly", row.monthly)
        .end_object();
  }
  json.end_array();
  json.field("retail_cap_usd", view.cap_usd);
  json.field("retail_cap_residence", view.cap_residence);
  json.key("clients").begin_array();
  for (const InspectView::UsageRow& row : view.usage) {
    json.begin_object()
        .field("client", row.client)
        .field("committed", row.committed)
        .field("purchased_this_month", row.purchased_month)
        .field("deposited_this_month", row.deposited_month)
        .field("withdrawn_this_month", row.withdrawn_month)
        .end_object();
  }
  json.end_array();
  json.end_object();
  json.end_object();
  std::printf("%s\n", json.text().c_str());
}

void print_text(const std::string& data_dir, const InspectView& view) {
  std::printf("data directory: %s\n", data_dir.c_str());
  std::printf("height:         %llu\n", static_cast<unsigned long long>(view.height));
  std::printf("last hash:      %s\n", view.last_hash.hex().c_str());
  std::printf("state hash:     %s\n", view.state_hash.hex().c_str());
  std::printf("assets (%zu):", view.asset_rows.size());
  for (size_t i = 0; i < view.asset_rows.size(); i++) {
    std::printf("%s %s (scale %u)", i == 0 ? "" : ",", view.asset_rows[i].first.c_str(), view.asset_rows[i].second);
  }
  std::printf("\n");
  std::printf("accounts (%zu):\n", view.accounts.size());
  if (!view.accounts.empty()) {
    size_t total_width = 5;
    size_t held_width = 4;
    size_t locked_width = 6;
    size_t available_width = 9;
    for (const AccountRow& row : view.accounts) {
      total_width = std::max(total_width, row.total.size());
      held_width = std::max(held_width, row.held.size());
      locked_width = std::max(locked_width, row.locked.size());
      available_width = std::max(available_width, row.available.size());
    }
    const int tw = static_cast<int>(total_width);
    const int hw = static_cast<int>(held_width);
    const int lw = static_cast<int>(locked_width);
    const int aw = static_cast<int>(available_width);
    std::printf("  %6s %10s %-6s %-10s %*s %*s %*s %*s\n", "id", "owner", "asset", "kind", tw, "total", hw, "held",
                lw, "locked", aw, "available");
    for (const AccountRow& row : view.accounts) {
      std::printf("  %6llu %10llu %-6s %-10s %*s %*s %*s %*s\n", static_cast<unsigned long long>(row.id),
                  static_cast<unsigned long long>(row.owner), row.asset.c_str(), row.kind.c_str(), tw,
                  row.total.c_str(), hw, row.held.c_str(), lw, row.locked.c_str(), aw, row.available.c_str());
    }
  }
  std::printf("live holds:     %llu (of %llu placed)\n", static_cast<unsigned long long>(view.live_holds),
              static_cast<unsigned long long>(view.holds_placed));
  std::printf("transfers:      %llu\n", static_cast<unsigned long long>(view.transfers));
  std::printf("clients:        %llu pending, %llu active, %llu frozen, %llu offboarded; registration %s\n",
              static_cast<unsigned long long>(view.clients_by_status[1]),
              static_cast<unsigned long long>(view.clients_by_status[2]),
              static_cast<unsigned long long>(view.clients_by_status[3]),
              static_cast<unsigned long long>(view.clients_by_status[4]),
              view.require_registered ? "required" : "not required");
  if (!view.rates.empty()) {
    std::printf("rates:         ");
    for (size_t i = 0; i < view.rates.size(); i++) {
      std::printf("%s %s = %s KZT", i == 0 ? "" : ",", view.rates[i].first.c_str(), view.rates[i].second.c_str());
    }
    std::printf("\n");
  }
  for (const InspectView::TierRow& row : view.tier_limits) {
    std::printf("tier %u %-10s daily %s, monthly %s (KZT)\n", row.tier, row.kind,
                row.daily.empty() ? "none" : row.daily.c_str(), row.monthly.empty() ? "none" : row.monthly.c_str());
  }
  if (!view.cap_usd.empty()) {
    std::printf("retail cap:     USD %s a month for retail residents of %s without the knowledge test\n",
                view.cap_usd.c_str(), view.cap_residence.c_str());
  }
  for (const InspectView::UsageRow& row : view.usage) {
    std::printf("client %-8llu this month: purchased %s, deposited %s, withdrawn %s; committed %s (KZT)\n",
                static_cast<unsigned long long>(row.client), row.purchased_month.c_str(), row.deposited_month.c_str(),
                row.withdrawn_month.c_str(), row.committed.c_str());
  }
}

}  // namespace

int run_inspect(const InspectArgs& args) {
  std::unique_ptr<Node> node;
  const Status status = open_node(args.data_dir, &node);
  if (!status.is_ok()) {
    std::fprintf(stderr, "qazna inspect: %s\n", status.message().c_str());
    return kExitFailure;
  }
  InspectView view;
  view.height = node->height();
  view.last_hash = node->last_hash();
  node->with_engine([&view](const Engine& engine) { collect(engine, &view); });
  node->stop();
  if (args.json) {
    print_json(view);
  } else {
    print_text(args.data_dir, view);
  }
  return kExitOk;
}

}  // namespace qz::app
