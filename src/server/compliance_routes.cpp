// The native API's compliance routes (docs/server.md, "Compliance routes"): client records and freezes, name
// screening, monitoring alerts, cases (over alerts, and the screening cases that hold clients and withdrawals),
// the regulator's reports and the travel-rule records; and the travel rule and counterparty screening of crypto
// deposits and withdrawals. route_native authenticates and checks the role before route_compliance runs.
//
// Everything here reuses the modules the command line uses: the KYC flow (kyc/flow.h) for records, screening
// holds, clear and confirm; the case store (monitor/cases.h); the Monitor and ReportBuilder over the journal
// replayed block by block (as `qazna monitor` and `qazna report` do); the IVMS101 decoder (app/ivms101.h) and
// the core's travel-rule gate (rules/travel_rule.h).
#include <algorithm>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/checked.h"
#include "base/decimal.h"
#include "json/writer.h"
#include "kyc/render.h"
#include "monitor/monitor.h"
#include "monitor/render.h"
#include "monitor/replay.h"
#include "monitor/reports.h"
#include "rules/limits.h"
#include "server/internal/venue_impl.h"

namespace qz::server {

namespace {

using json::Writer;

constexpr uint32_t kCompliance = role_bit(Role::compliance);
constexpr uint32_t kSupervision = role_bit(Role::compliance) | role_bit(Role::regulator);

constexpr NativeRoute kComplianceRoutes[] = {
    {"GET", "/v1/clients", Permission::read, kSupervision},
    {"POST", "/v1/clients", Permission::trade, kCompliance},
    {"POST", "/v1/clients/update", Permission::trade, kCompliance},
    {"POST", "/v1/clients/approve", Permission::trade, kCompliance},
    {"POST", "/v1/clients/freeze", Permission::trade, kCompliance},
    {"POST", "/v1/clients/unfreeze", Permission::trade, kCompliance},
    {"GET", "/v1/screening", Permission::read, kSupervision},
    {"GET", "/v1/alerts", Permission::read, kSupervision},
    {"GET", "/v1/cases", Permission::read, kSupervision},
    {"POST", "/v1/cases", Permission::trade, kCompliance},
    {"POST", "/v1/cases/assign", Permission::trade, kCompliance},
    {"POST", "/v1/cases/comment", Permission::trade, kCompliance},
    {"POST", "/v1/cases/close", Permission::trade, kCompliance},
    {"GET", "/v1/cases/screening", Permission::read, kSupervision},
    {"POST", "/v1/cases/screening/clear", Permission::trade, kCompliance},
    {"POST", "/v1/cases/screening/confirm", Permission::trade, kCompliance},
    {"GET", "/v1/cases/screening/report", Permission::read, kSupervision},
    {"GET", "/v1/reports/aml", Permission::read, kSupervision},
    {"GET", "/v1/reports/quarterly", Permission::read, kSupervision},
    {"GET", "/v1/travel-rule", Permission::read, kSupervision},
};

// Who screened a movement's counterparties in the client store's log.
constexpr const char* kGatewayOfficer = "gateway";

int128 pow10_128(uint32_t exponent) {
  int128 value = 1;
  for (uint32_t i = 0; i < exponent; i++) value *= 10;
  return value;
}

// ceil(numerator / denominator) for numerator >= 0, denominator > 0, clamped to int64.
int64_t ceil_div_clamped(int128 numerator, int128 denominator) {
  QZ_ASSERT(numerator >= 0 && denominator > 0);
  const int128 quotient = numerator / denominator + (numerator % denominator != 0 ? 1 : 0);
  return quotient > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                        : static_cast<int64_t>(quotient);
}

// The value of `amount_minor` of `asset` in US cents, rounded up, as the limits value amounts: at the journaled
// rates (the asset's and the dollar's, in tiyn). Without them, at the last price of the venue's <ASSET>USDT
// market with USDT counted as a dollar (USDT itself at par). False when neither gives a value.
bool usd_cents_of(const Engine& engine, const MarketData& market, const AssetInfo& asset, int64_t amount_minor,
                  int64_t* out) {
  const int64_t asset_rate = engine.rates().rate(asset.id);
  const int64_t usd_rate = engine.rates().rate(kUsdRateAsset);
  if (asset_rate > 0 && usd_rate > 0) {
    *out = ceil_div_clamped(tenge_value_128(amount_minor, asset.scale, asset_rate) * 100, usd_rate);
    return true;
  }
  if (asset.code == "USDT") {
    *out = ceil_div_clamped(static_cast<int128>(amount_minor) * 100, pow10_128(asset.scale));
    return true;
  }
  const std::optional<MarketInfo> usdt = market.market_by_symbol(asset.code + "USDT");
  if (!usdt || usdt->last_price_minor <= 0) return false;
  *out = ceil_div_clamped(static_cast<int128>(amount_minor) * usdt->last_price_minor * 100,
                          pow10_128(uint32_t{asset.scale} + usdt->quote.scale));
  return true;
}

// The counterparties screened: a withdrawal's beneficiaries and their VASP, a deposit's originators and theirs;
// each person by the Latin name and the original script.
std::vector<kyc::Subject> counterparty_subjects(const app::Ivms101Record& record, Movement movement, uint64_t id) {
  const bool deposit = movement == Movement::deposit;
  const std::vector<app::Ivms101Person>& persons = deposit ? record.originators : record.beneficiaries;
  const std::string role = deposit ? "originator" : "beneficiary";
  const std::string prefix = std::string(movement_name(movement)) + " " + std::to_string(id) + " ";
  std::vector<kyc::Subject> subjects;
  for (size_t i = 0; i < persons.size(); i++) {
    const app::Ivms101Person& person = persons[i];
    const std::string who = prefix + role + " " + std::to_string(i + 1);
    subjects.push_back(kyc::Subject{.who = who + ", Latin name",
                                    .query = {.name = person.name, .dob = "", .country = person.country}});
    if (!person.local_name.empty() && person.local_name != person.name) {
      subjects.push_back(kyc::Subject{.who = who + ", original script",
                                      .query = {.name = person.local_name, .dob = "", .country = person.country}});
    }
  }
  const std::string& vasp = deposit ? record.originating_vasp : record.beneficiary_vasp;
  if (!vasp.empty())
    subjects.push_back(kyc::Subject{.who = prefix + role + " VASP", .query = {.name = vasp, .dob = "", .country = ""}});
  return subjects;
}

// The HTTP status and native code of a refusal of the KYC flow.
std::pair<int, int> kyc_refusal(kyc::KycCode code) {
  switch (code) {
    case kyc::KycCode::invalid: return {400, kBadParameter};
    case kyc::KycCode::not_found: return {404, kNotFound};
    case kyc::KycCode::exists:
    case kyc::KycCode::held:
    case kyc::KycCode::conflict: return {409, kConflict};
    case kyc::KycCode::rejected: return {422, kConflict};
    case kyc::KycCode::storage:
    case kyc::KycCode::ok: break;
  }
  return {503, kUnavailable};
}

std::pair<int, int> case_refusal(monitor::CaseCode code) {
  switch (code) {
    case monitor::CaseCode::not_found: return {404, kNotFound};
    case monitor::CaseCode::invalid: return {400, kBadParameter};
    case monitor::CaseCode::closed:
    case monitor::CaseCode::conflict: return {409, kConflict};
    case monitor::CaseCode::storage:
    case monitor::CaseCode::ok: break;
  }
  return {503, kUnavailable};
}

void write_outcome(Writer& w, const kyc::Outcome& out) {
  w.field("clientId", out.client);
  if (out.version != 0) w.field("version", out.version);
  w.field("hits", uint64_t{out.hits});
  if (out.hold != 0) w.field("screeningCase", out.hold);
  w.field("height", out.height);
  w.key("commands").begin_array();
  for (const std::string& command : out.commands) w.value(command);
  w.end_array();
  w.key("notes").begin_array();
  for (const std::string& note : out.notes) w.value(note);
  w.end_array();
}

}  // namespace

std::span<const NativeRoute> compliance_routes() { return kComplianceRoutes; }

const char* movement_name(Movement movement) { return movement == Movement::deposit ? "deposit" : "withdrawal"; }

// ---------------------------------------------------------------------------------------------------------------

Status Venue::Impl::open_compliance() {
  auto c = std::make_unique<Compliance>();
  const std::string& dir = options.data_dir;
  QZ_TRY(kyc::ClientStore::open(dir + "/clients.db", &c->clients));
  QZ_TRY(monitor::CaseStore::open(dir + "/monitor.db", &c->cases));
  QZ_TRY(sqlite::Database::open(dir + "/travel_rule.db", sqlite::OpenOptions{}, &c->travel));
  static const sqlite::SchemaStep kSteps[] = {
      {.sql = "CREATE TABLE movements (kind TEXT NOT NULL CHECK(kind IN ('deposit', 'withdrawal')),"
              " id INTEGER NOT NULL, client INTEGER NOT NULL, height INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
              " asset TEXT NOT NULL, amount TEXT NOT NULL, usd_cents INTEGER NOT NULL, usd_known INTEGER NOT NULL,"
              " counterparty TEXT NOT NULL, fields INTEGER NOT NULL, digest TEXT NOT NULL, record TEXT NOT NULL,"
              " screening_case INTEGER NOT NULL, PRIMARY KEY (kind, id))",
       .run = nullptr},
  };
  QZ_TRY(c->travel->migrate("travel_rule", kSteps));
  if (!options.sanctions_lists_dir.empty()) {
    const Status loaded = kyc::load_screening_lists(options.sanctions_lists_dir, &c->lists);
    if (!loaded.is_ok())
      return Status::error("serve: sanctions lists " + options.sanctions_lists_dir + ": " + loaded.message());
  }
  c->core = std::make_unique<kyc::NodeCore>(node.get());
  Compliance* raw = c.get();
  c->flow = std::make_unique<kyc::Kyc>(c->clients.get(), c->core.get(), [raw](const kyc::ScreeningLists** lists) {
    if (raw->lists == nullptr) return Status::error("no sanctions lists are loaded (qazna serve --sanctions DIR)");
    *lists = raw->lists.get();
    return Status::ok();
  });
  compliance = std::move(c);
  return Status::ok();
}

bool Venue::Impl::check_travel_rule_data(const CallPtr& call, Movement movement, const AssetInfo& asset,
                                         int64_t amount_minor, TravelRuleCheck* out) {
  out->movement = movement;
  const std::vector<std::string>& fiat = options.fiat_assets;
  if (std::find(fiat.begin(), fiat.end(), asset.code) != fiat.end()) return true;
  out->travel_rule = true;
  out->lock = std::unique_lock(compliance->mutex);
  const std::string* text = call->params.find("travelRule");
  if (text != nullptr) {
    const Status parsed = app::parse_ivms101(*text, &out->record);
    if (!parsed.is_ok()) {
      reply_native_error(call, 400, kBadParameter, "parameter 'travelRule' (IVMS101): " + parsed.message());
      return false;
    }
    out->record_json = *text;
    out->fields = app::travel_rule_fields(out->record);
    out->digest = app::ivms101_digest(out->record);
  }
  const std::string* kind = call->params.find("counterparty");
  if (kind == nullptr || *kind == "vasp") {
    out->counterparty = Counterparty::vasp;
  } else if (*kind == "self_hosted") {
    out->counterparty = Counterparty::self_hosted;
  } else {
    reply_native_error(call, 400, kBadParameter, "parameter 'counterparty': vasp or self_hosted");
    return false;
  }
  const std::string* declared = call->params.find("ownershipDeclared");
  if (declared != nullptr && *declared != "true" && *declared != "false") {
    reply_native_error(call, 400, kBadParameter, "parameter 'ownershipDeclared': true or false");
    return false;
  }
  if (declared != nullptr && *declared == "true") out->fields |= kTravelOwnershipDeclared;
  node->with_engine([&](const Engine& engine) {
    out->usd_known = usd_cents_of(engine, market, asset, amount_minor, &out->usd_cents);
  });
  // Without a rate the value is unknown: the full set is required.
  if (!out->usd_known) out->usd_cents = kTravelRuleThresholdUsdCents;
  const Result gate = check_travel_rule(out->fields, out->counterparty, out->usd_cents);
  if (gate != Result::ok) {
    reply_native_error(
        call, 422, static_cast<int>(gate),
        std::string(result_message(gate)) +
            (text == nullptr ? " (no travel-rule record: send it as parameter 'travelRule', IVMS101 JSON)" : ""));
    return false;
  }
  return true;
}

bool Venue::Impl::record_movement(const CallPtr& call, uint64_t client, uint64_t id, uint64_t height,
                                  const AssetInfo& asset, int64_t amount_minor, const Command& undo,
                                  const TravelRuleCheck& check, uint64_t* screening_case) {
  *screening_case = 0;
  if (!check.travel_rule) return true;
  QZ_ASSERT(check.lock.owns_lock());
  const bool deposit = check.movement == Movement::deposit;
  const std::string what = std::string(movement_name(check.movement)) + " " + std::to_string(id);
  int status = 0;
  int code = 0;
  std::string failure;
  if (compliance->lists != nullptr) {
    // A deposit's hit holds the client (an active one is frozen while the case is open): the money is in. A
    // withdrawal's holds the withdrawal.
    kyc::Outcome out;
    const kyc::KycResult screened = compliance->flow->screen_counterparties(
        client, counterparty_subjects(check.record, check.movement, id), movement_name(check.movement),
        what + (deposit ? " originator" : " beneficiary"), kGatewayOfficer, clock->now_ns(), deposit, &out);
    if (screened.is_ok()) {
      *screening_case = out.hold;
    } else {
      std::tie(status, code) = kyc_refusal(screened.code());
      failure = "screening the " + std::string(deposit ? "originator: " : "beneficiary: ") + screened.message();
    }
  }
  if (failure.empty()) {
    sqlite::Statement insert;
    Status stored = compliance->travel->prepare(
        "INSERT INTO movements (kind, id, client, height, time_ms, asset, amount, usd_cents, usd_known,"
        " counterparty, fields, digest, record, screening_case) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14)",
        &insert);
    if (stored.is_ok()) {
      stored = insert.bind(1, movement_name(check.movement))
                   .bind(2, id)
                   .bind(3, client)
                   .bind(4, height)
                   .bind(5, call->now_ms)
                   .bind(6, asset.code)
                   .bind(7, format_decimal(amount_minor, asset.scale))
                   .bind(8, check.usd_cents)
                   .bind(9, check.usd_known)
                   .bind(10, check.counterparty == Counterparty::vasp ? "vasp" : "self_hosted")
                   .bind(11, check.fields)
                   .bind(12, check.digest.hex())
                   .bind(13, check.record_json)
                   .bind(14, *screening_case)
                   .run("keeping a travel-rule record");
    }
    if (!stored.is_ok()) {
      status = 503;
      code = kUnavailable;
      failure = stored.message();
    }
  }
  if (failure.empty()) return true;
  // Nothing was kept: the movement is undone.
  SubmitResult undone;
  const Status released = submit_and_wait({undo}, &undone);
  reply_native_error(call, status, code,
                     failure + (released.is_ok() ? "; the " + what + " was undone" : "; " + released.message()));
  return false;
}

bool Venue::Impl::withdrawal_approvable(const CallPtr& call, uint64_t withdrawal) {
  std::lock_guard guard(compliance->mutex);
  sqlite::Statement select;
  Status status = compliance->travel->prepare(
      "SELECT client, screening_case FROM movements WHERE kind = 'withdrawal' AND id = ?1", &select);
  bool row = false;
  if (status.is_ok()) status = select.bind(1, withdrawal).step(&row, "reading a travel-rule record");
  if (!status.is_ok()) {
    reply_native_error(call, 503, kUnavailable, status.message());
    return false;
  }
  if (!row || select.column_u64(1) == 0) return true;
  const uint64_t client = select.column_u64(0);
  const uint64_t held_by = select.column_u64(1);
  std::vector<kyc::Hold> holds;
  status = compliance->clients->holds(client, &holds);
  if (!status.is_ok()) {
    reply_native_error(call, 503, kUnavailable, status.message());
    return false;
  }
  for (const kyc::Hold& hold : holds) {
    if (hold.id != held_by) continue;
    if (hold.state == kyc::HoldState::open) {
      reply_native_error(call, 409, kConflict,
                         "withdrawal " + std::to_string(withdrawal) + " is held by screening case " +
                             std::to_string(held_by) + ": a compliance officer must clear or confirm it first");
      return false;
    }
    if (hold.state == kyc::HoldState::confirmed) {
      reply_native_error(call, 409, kConflict,
                         "withdrawal " + std::to_string(withdrawal) + ": screening case " + std::to_string(held_by) +
                             " confirmed a sanctions match; it cannot be paid out (reject it)");
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------

void Venue::Impl::route_compliance(const CallPtr& call) {
  const std::string& path = call->request.path;
  const std::string& method = call->request.method;
  const RequestParams& params = call->params;
  const auto text = [&](std::string_view name) -> std::string {
    const std::string* value = params.find(name);
    return value == nullptr ? std::string() : *value;
  };
  const auto bad = [&](const std::string& message) { reply_native_error(call, 400, kBadParameter, message); };
  // A positive id parameter; 0 (and the answer sent) when missing or malformed and `required`.
  const auto id_param = [&](std::string_view name, bool required) -> uint64_t {
    const ParamValue<int64_t> value = param_integer(params, name, required ? Presence::mandatory : Presence::optional);
    if (value.present && value.ok() && value.value > 0) return static_cast<uint64_t>(value.value);
    if (required || value.present) bad("parameter '" + std::string(name) + "' must be a whole number above 0");
    return 0;
  };
  const auto id_given = [&](std::string_view name) { return params.find(name) != nullptr; };
  const auto kyc_failed = [&](const kyc::KycResult& result) {
    const auto [status, code] = kyc_refusal(result.code());
    reply_native_error(call, status, code, result.message());
  };
  const auto case_failed = [&](const monitor::CaseResult& result) {
    const auto [status, code] = case_refusal(result.code());
    reply_native_error(call, status, code, result.message());
  };
  // The officer acting: the caller's user name when it is a valid officer name, else "user-<id>".
  const auto officer = [&]() {
    UserRow row;
    if (find_user(call->identity.owner_user, &row) && kyc::officer_problem(row.name).empty()) return row.name;
    return "user-" + std::to_string(call->identity.owner_user);
  };
  const uint64_t now_ns = clock->now_ns();
  std::unique_lock guard(compliance->mutex);
  kyc::ClientStore* clients = compliance->clients.get();
  monitor::CaseStore* cases = compliance->cases.get();

  // Freezes or unfreezes a client in the core as the compliance officer, logged in the client store with the same
  // outcome; false when refused (the answer is sent).
  const auto set_client_status = [&](uint64_t id, ClientStatus to, ClientStatusReason reason, const std::string& note,
                                     uint64_t* height) {
    Command command = make_set_client_status(id, static_cast<uint8_t>(to), static_cast<uint16_t>(reason));
    command.actor = call->identity.owner_user;
    command.role = static_cast<uint8_t>(Role::compliance);
    Status status = clients->begin();
    if (status.is_ok()) {
      status = clients->add_action(id, now_ns, officer(), to == ClientStatus::frozen ? "frozen" : "unfrozen",
                                   client_status_reason_name(reason), note);
    }
    SubmitResult result;
    if (status.is_ok()) status = submit_and_wait({command}, &result);
    if (!status.is_ok()) {
      clients->rollback();
      reply_native_error(call, 503, kUnavailable, status.message());
      return false;
    }
    for (const Event& event : result.events) {
      if (event.event_kind() == EventKind::rejected) {
        clients->rollback();
        reply_engine_refusal(call, event.result_code());
        return false;
      }
    }
    if (const Status committed = clients->commit(); !committed.is_ok()) {
      reply_native_error(call, 503, kUnavailable,
                         "the client store could not log the change made in block " + std::to_string(result.height) +
                             ": " + committed.message());
      return false;
    }
    // A freeze cancels the client's resting orders in this block: the client's own history reads (openOrders,
    // allOrders) must see that, as if the client had been answered about it (a client is a user id).
    acknowledge(id, result.height);
    *height = result.height;
    return true;
  };

  // The client named by `clientId`, else every client with a record; false when refused (the answer is sent).
  const auto client_ids = [&](std::vector<uint64_t>* ids) {
    if (id_given("clientId")) {
      const uint64_t id = id_param("clientId", true);
      if (id != 0) ids->push_back(id);
      return id != 0;
    }
    if (const Status listed = clients->client_ids(ids); !listed.is_ok()) {
      reply_native_error(call, 503, kUnavailable, listed.message());
      return false;
    }
    return true;
  };

  // --- clients ------------------------------------------------------------------------------------------------
  if (path == "/v1/clients" && method == "GET") {
    std::vector<uint64_t> ids;
    if (!client_ids(&ids)) return;
    Writer w;
    if (!id_given("clientId")) w.begin_array();
    for (const uint64_t id : ids) {
      kyc::ClientView view;
      bool found = false;
      const Status loaded = kyc::load_client_view(clients, compliance->core.get(), id, &found, &view);
      if (!loaded.is_ok()) return reply_native_error(call, 503, kUnavailable, loaded.message());
      if (!found)
        return reply_native_error(call, 404, kNotFound, "client " + std::to_string(id) + " has no record here");
      w.raw(id_given("clientId") ? kyc::client_view_json(view) : kyc::client_summary_json(view));
    }
    if (!id_given("clientId")) w.end_array();
    return reply(call, 200, w.take());
  }
  if (path == "/v1/clients" || path == "/v1/clients/update") {  // POST
    const std::string* json = params.find("record");
    if (json == nullptr) return bad("missing parameter 'record' (the client record, JSON; docs/kyc.md)");
    kyc::ClientRecord record;
    if (const Status parsed = kyc::parse_client_record(*json, &record); !parsed.is_ok()) return bad(parsed.message());
    kyc::Outcome out;
    const kyc::KycResult result = path == "/v1/clients" ? compliance->flow->onboard(record, officer(), now_ns, &out)
                                                        : compliance->flow->update(record, officer(), now_ns, &out);
    if (!result.is_ok()) return kyc_failed(result);
    Writer w;
    w.begin_object();
    write_outcome(w, out);
    w.field("held", out.hold_opened || (out.hold != 0 && out.hits > 0)).end_object();
    return reply(call, 200, w.take());
  }
  if (path == "/v1/clients/approve") {
    const uint64_t id = id_param("clientId", true);
    if (id == 0) return;
    kyc::Outcome out;
    const kyc::KycResult result = compliance->flow->approve(id, officer(), now_ns, &out);
    if (!result.is_ok()) return kyc_failed(result);
    Writer w;
    w.begin_object();
    write_outcome(w, out);
    w.field("status", "active").end_object();
    return reply(call, 200, w.take());
  }
  if (path == "/v1/clients/freeze" || path == "/v1/clients/unfreeze") {
    const uint64_t id = id_param("clientId", true);
    if (id == 0) return;
    const bool freeze = path == "/v1/clients/freeze";
    ClientStatusReason reason = freeze ? ClientStatusReason::compliance_review : ClientStatusReason::review_cleared;
    const std::string reason_text = text("reason");
    if (freeze && reason_text == "court_order") {
      reason = ClientStatusReason::court_order;
    } else if (!reason_text.empty() && reason_text != client_status_reason_name(reason)) {
      return bad(freeze ? "parameter 'reason': compliance_review (default) or court_order"
                        : "parameter 'reason': review_cleared (the default) only");
    }
    const std::string note = text("text");
    if (!note.empty()) {
      if (const std::string problem = kyc::officer_text_problem(note); !problem.empty()) {
        return bad("parameter 'text': " + problem);
      }
    }
    if (!freeze) {
      std::vector<kyc::Hold> holds;
      if (const Status read = clients->holds(id, &holds); !read.is_ok()) {
        return reply_native_error(call, 503, kUnavailable, read.message());
      }
      for (const kyc::Hold& hold : holds) {
        if (hold.state == kyc::HoldState::confirmed) {
          return reply_native_error(call, 409, kConflict,
                                    "client " + std::to_string(id) +
                                        " has a confirmed sanctions match (screening case " + std::to_string(hold.id) +
                                        "); it stays frozen");
        }
      }
    }
    uint64_t height = 0;
    if (!set_client_status(id, freeze ? ClientStatus::frozen : ClientStatus::active, reason, note, &height)) return;
    Writer w;
    w.begin_object()
        .field("clientId", id)
        .field("status", freeze ? "frozen" : "active")
        .field("reason", client_status_reason_name(reason))
        .field("height", height)
        .end_object();
    return reply(call, 200, w.take());
  }

  // --- screening ----------------------------------------------------------------------------------------------
  if (path == "/v1/screening") {
    if (compliance->lists == nullptr) {
      return reply_native_error(call, 503, kUnavailable, "no sanctions lists are loaded (qazna serve --sanctions DIR)");
    }
    screening::Query query{.name = text("name"), .dob = text("dob"), .country = text("country")};
    if (query.name.empty()) return bad("missing parameter 'name'");
    const ParamValue<int64_t> threshold = param_integer(params, "threshold", Presence::optional);
    if (threshold.present && (!threshold.ok() || threshold.value < 0 || threshold.value > 100)) {
      return bad("parameter 'threshold': 0 to 100");
    }
    screening::ScreenOptions screen_options{
        .threshold = threshold.present ? static_cast<uint32_t>(threshold.value) : compliance->lists->threshold,
        .max_hits = 20};
    std::vector<screening::Hit> hits;
    if (const Status screened = compliance->lists->screener->screen(query, screen_options, &hits); !screened.is_ok()) {
      return bad(screened.message());
    }
    Writer w;
    w.begin_object()
        .field("name", query.name)
        .field("threshold", screen_options.threshold)
        .field("lists", compliance->lists->summary);
    w.key("hits").begin_array();
    for (const screening::Hit& hit : hits) {
      w.begin_object()
          .field("list", hit.list_id)
          .field("uid", hit.uid)
          .field("type", screening::entry_type_name(hit.type))
          .field("score", hit.score)
          .field("primaryName", hit.primary_name)
          .field("matchedName", hit.matched_name)
          .key("explanation")
          .raw(kyc::hit_explanation_json(hit))
          .end_object();
    }
    w.end_array().end_object();
    return reply(call, 200, w.take());
  }

  // --- alerts and cases over them -----------------------------------------------------------------------------
  if (path == "/v1/alerts" || (path == "/v1/cases" && method == "POST") || path.starts_with("/v1/reports/")) {
    guard.unlock();  // a replay of the journal: no store is touched until it is done
    monitor::Monitor monitor;
    monitor::ReportBuilder builder;
    std::vector<monitor::Alert> alerts;
    uint64_t height = 0;
    const bool reports = path.starts_with("/v1/reports/");
    const Status replayed = monitor::replay_journal(
        options.data_dir,
        [&](const monitor::BlockView& block) {
          if (reports) {
            builder.on_block(block);
          } else {
            monitor.on_block(block, &alerts);
          }
        },
        &height);
    if (!replayed.is_ok()) return reply_native_error(call, 503, kUnavailable, replayed.message());
    guard.lock();

    if (reports) {
      const bool aml = path == "/v1/reports/aml";
      monitor::ReportPeriod period;
      if (aml && !monitor::parse_report_year(text("year"), &period)) return bad("parameter 'year': YYYY");
      if (!aml && !monitor::parse_report_quarter(text("quarter"), &period)) {
        return bad("parameter 'quarter': YYYYQn, e.g. 2026Q3");
      }
      std::vector<monitor::Case> all;
      if (const monitor::CaseResult listed = cases->list(&all); !listed.is_ok()) return case_failed(listed);
      monitor::Report report;
      if (!builder.report(aml ? monitor::ReportKind::aml_annual : monitor::ReportKind::quarterly, period,
                          monitor::filed_reports(all), &report)) {
        return reply_native_error(call, 404, kNotFound,
                                  "the journal ends at block " + std::to_string(builder.height()) + ", before " +
                                      period.name() + " begins; nothing to report");
      }
      return reply(call, 200, monitor::report_json(report));
    }
    if (path == "/v1/alerts") {
      const uint64_t client = id_given("clientId") ? id_param("clientId", true) : 0;
      if (id_given("clientId") && client == 0) return;
      Writer w;
      w.begin_array();
      for (const monitor::Alert& alert : alerts) {
        if (client == 0 || alert.client == client) w.raw(monitor::alert_json(alert, monitor.config().tenge_asset));
      }
      w.end_array();
      return reply(call, 200, w.take());
    }
    // POST /v1/cases: a case from alerts of one client.
    std::vector<uint64_t> ids;
    const std::string list = text("alertIds");
    for (size_t begin = 0; !list.empty() && begin <= list.size();) {
      const size_t end = std::min(list.find(',', begin), list.size());
      const std::string item = list.substr(begin, end - begin);
      if (item.empty() || item.size() > 19 || item.find_first_not_of("0123456789") != std::string::npos) {
        return bad("parameter 'alertIds': alert ids separated by commas");
      }
      ids.push_back(std::stoull(item));
      begin = end + 1;
    }
    if (ids.empty()) return bad("missing parameter 'alertIds'");
    monitor::CaseOpening opening;
    if (const monitor::CaseResult made = monitor::make_case_opening(monitor, alerts, ids, height, &opening);
        !made.is_ok()) {
      return case_failed(made);
    }
    opening.officer = officer();
    opening.note = text("note");
    opening.now_ns = now_ns;
    uint64_t case_id = 0;
    if (const monitor::CaseResult opened = cases->open_case(opening, &case_id); !opened.is_ok()) {
      return case_failed(opened);
    }
    monitor::Case c;
    if (const monitor::CaseResult loaded = cases->load(case_id, &c); !loaded.is_ok()) return case_failed(loaded);
    return reply(call, 200, monitor::case_json(c));
  }
  if (path == "/v1/cases" && method == "GET") {
    if (id_given("caseId")) {
      const uint64_t id = id_param("caseId", true);
      if (id == 0) return;
      monitor::Case c;
      if (const monitor::CaseResult loaded = cases->load(id, &c); !loaded.is_ok()) return case_failed(loaded);
      return reply(call, 200, monitor::case_json(c));
    }
    std::vector<monitor::Case> all;
    if (const monitor::CaseResult listed = cases->list(&all); !listed.is_ok()) return case_failed(listed);
    Writer w;
    w.begin_array();
    for (const monitor::Case& c : all) w.raw(monitor::case_json(c));
    w.end_array();
    return reply(call, 200, w.take());
  }
  if (path == "/v1/cases/assign" || path == "/v1/cases/comment" || path == "/v1/cases/close") {
    const uint64_t id = id_param("caseId", true);
    if (id == 0) return;
    monitor::CaseResult result = monitor::CaseResult::ok();
    if (path == "/v1/cases/assign") {
      result = cases->assign(id, text("assignee"), officer(), now_ns);
    } else if (path == "/v1/cases/comment") {
      result = cases->comment(id, text("text"), officer(), now_ns);
    } else {
      monitor::CaseOutcome outcome = monitor::CaseOutcome::none;
      if (!monitor::outcome_from_name(text("outcome"), &outcome)) {
        return bad("parameter 'outcome': no_action, str_filed, client_frozen or client_offboarded");
      }
      // client_frozen freezes the case's client first (unless it is frozen already); a refusal leaves the case open.
      monitor::Case open_case;
      if (const monitor::CaseResult loaded = cases->load(id, &open_case); !loaded.is_ok()) return case_failed(loaded);
      if (outcome == monitor::CaseOutcome::client_frozen && open_case.open &&
          compliance->core->client(open_case.client).status != ClientStatus::frozen) {
        uint64_t height = 0;
        if (!set_client_status(open_case.client, ClientStatus::frozen, ClientStatusReason::compliance_review,
                               "case " + std::to_string(id) + " closed: client_frozen", &height)) {
          return;
        }
      }
      result = cases->close(id, outcome, text("text"), officer(), now_ns);
    }
    if (!result.is_ok()) return case_failed(result);
    monitor::Case c;
    if (const monitor::CaseResult loaded = cases->load(id, &c); !loaded.is_ok()) return case_failed(loaded);
    return reply(call, 200, monitor::case_json(c));
  }

  // --- screening cases: the holds screening hits open on clients, their deposits and withdrawals ---------------
  if (path == "/v1/cases/screening") {
    std::vector<uint64_t> ids;
    if (!client_ids(&ids)) return;
    // Clients held by a counterparty may have no record: take them from the travel-rule records too.
    if (!id_given("clientId")) {
      sqlite::Statement select;
      Status status = compliance->travel->prepare(
          "SELECT DISTINCT client FROM movements WHERE screening_case <> 0 ORDER BY client", &select);
      for (bool row = true; status.is_ok();) {
        status = select.step(&row, "listing held withdrawals");
        if (!status.is_ok() || !row) break;
        ids.push_back(select.column_u64(0));
      }
      if (!status.is_ok()) return reply_native_error(call, 503, kUnavailable, status.message());
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
    Writer w;
    w.begin_array();
    for (const uint64_t client : ids) {
      std::vector<kyc::Hold> holds;
      std::vector<kyc::Screening> screenings;
      Status status = clients->holds(client, &holds);
      if (status.is_ok()) status = clients->screenings(client, &screenings);
      if (!status.is_ok()) return reply_native_error(call, 503, kUnavailable, status.message());
      for (const kyc::Hold& hold : holds) {
        w.begin_object()
            .field("screeningCase", hold.id)
            .field("clientId", hold.client)
            .field("state", kyc::hold_state_name(hold.state))
            .field("openedAt", kyc::format_time_utc(hold.opened_at_ns))
            .field("openedBy", hold.opened_by);
        if (hold.state != kyc::HoldState::open) {
          w.field("closedAt", kyc::format_time_utc(hold.closed_at_ns))
              .field("closedBy", hold.closed_by)
              .field("text", hold.text);
        }
        if (hold.state == kyc::HoldState::confirmed) w.field("entry", hold.entry_list + ":" + hold.entry_uid);
        for (const Movement movement : {Movement::deposit, Movement::withdrawal}) {
          w.key(movement == Movement::deposit ? "deposits" : "withdrawals").begin_array();
          sqlite::Statement select;
          status = compliance->travel->prepare(
              "SELECT id FROM movements WHERE kind = ?1 AND screening_case = ?2 ORDER BY id", &select);
          if (status.is_ok()) select.bind(1, movement_name(movement)).bind(2, hold.id);
          for (bool row = true; status.is_ok();) {
            status = select.step(&row, "listing held movements");
            if (!status.is_ok() || !row) break;
            w.value(select.column_u64(0));
          }
          if (!status.is_ok()) return reply_native_error(call, 503, kUnavailable, status.message());
          w.end_array();
        }
        w.key("hits").begin_array();
        for (const kyc::Screening& s : screenings) {
          if (s.hold_id != hold.id) continue;
          for (const kyc::ScreeningHit& h : s.hits) {
            w.begin_object()
                .field("subject", h.subject)
                .field("query", h.query.name)
                .field("list", h.hit.list_id)
                .field("uid", h.hit.uid)
                .field("score", h.hit.score)
                .field("primaryName", h.hit.primary_name)
                .field("trigger", s.trigger)
                .end_object();
          }
        }
        w.end_array().end_object();
      }
    }
    w.end_array();
    return reply(call, 200, w.take());
  }
  if (path == "/v1/cases/screening/clear" || path == "/v1/cases/screening/confirm") {
    const uint64_t id = id_param("clientId", true);
    if (id == 0) return;
    kyc::Outcome out;
    const kyc::KycResult result =
        path == "/v1/cases/screening/clear"
            ? compliance->flow->clear(id, officer(), text("text"), now_ns, &out)
            : compliance->flow->confirm(id, officer(), text("text"), text("entry"), now_ns, &out);
    if (!result.is_ok()) return kyc_failed(result);
    Writer w;
    w.begin_object();
    write_outcome(w, out);
    w.field("state", path == "/v1/cases/screening/clear" ? "cleared" : "confirmed").end_object();
    return reply(call, 200, w.take());
  }
  if (path == "/v1/cases/screening/report") {
    const uint64_t id = id_param("clientId", true);
    if (id == 0) return;
    std::vector<kyc::Hold> holds;
    if (const Status read = clients->holds(id, &holds); !read.is_ok()) {
      return reply_native_error(call, 503, kUnavailable, read.message());
    }
    Writer w;
    w.begin_array();
    for (const kyc::Hold& hold : holds) {
      if (hold.state != kyc::HoldState::confirmed) continue;
      kyc::Report report;
      bool found = false;
      if (const Status read = clients->report(hold.id, &found, &report); !read.is_ok()) {
        return reply_native_error(call, 503, kUnavailable, read.message());
      }
      if (found) w.raw(report.json);
    }
    w.end_array();
    return reply(call, 200, w.take());
  }

  // --- the travel-rule records of crypto deposits and withdrawals --------------------------------------------
  if (path == "/v1/travel-rule") {
    const bool deposit = id_given("depositId");
    const char* id_name = deposit ? "depositId" : "withdrawalId";
    const uint64_t only = id_given(id_name) ? id_param(id_name, true) : 0;
    if (id_given(id_name) && only == 0) return;
    sqlite::Statement select;
    Status status = compliance->travel->prepare(
        "SELECT kind, id, client, height, time_ms, asset, amount, usd_cents, usd_known, counterparty, fields, digest,"
        " record, screening_case FROM movements WHERE ?1 = 0 OR (kind = ?2 AND id = ?1) ORDER BY height, kind, id",
        &select);
    if (status.is_ok()) select.bind(1, only).bind(2, deposit ? "deposit" : "withdrawal");
    Writer w;
    w.begin_array();
    for (bool row = true; status.is_ok();) {
      status = select.step(&row, "exporting travel-rule records");
      if (!status.is_ok() || !row) break;
      const std::string kind = select.column_text(0);
      w.begin_object()
          .field("kind", kind)
          .field(kind == "deposit" ? "depositId" : "withdrawalId", select.column_u64(1))
          .field("userId", select.column_u64(2))
          .field("height", select.column_u64(3))
          .field("time", select.column_i64(4))
          .field("asset", select.column_text(5))
          .field("amount", json::Decimal{select.column_text(6)})
          .field("usdCents", select.column_i64(7))
          .field("usdValued", select.column_i64(8) != 0)
          .field("counterparty", select.column_text(9))
          .field("fields", select.column_i64(10))
          .field("digest", select.column_text(11))
          .key("record")
          .raw(select.column_text(12))
          .field("screeningCase", select.column_u64(13))
          .end_object();
    }
    if (!status.is_ok()) return reply_native_error(call, 503, kUnavailable, status.message());
    w.end_array();
    if (only != 0 && w.text() == "[]") {
      return reply_native_error(
          call, 404, kNotFound,
          std::string("no travel-rule record of ") + (deposit ? "deposit " : "withdrawal ") + std::to_string(only));
    }
    return reply(call, 200, w.take());
  }
  reply_native_error(call, 404, kNotFound, "no such route");
}

}  // namespace qz::server
