// The compliance routes of the native API over real HTTP (src/server/compliance_routes.cpp): role checks of every
// route, the travel rule on crypto deposits and withdrawals (one refusal per missing item), an originator's hit
// that freezes the client until cleared, a beneficiary's screening hit that
// holds the withdrawal until a compliance officer clears it (approvable) or confirms it (client frozen, report
// prepared, withdrawals refused), freezes, alerts, cases and the regulator's reports.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "app/app.h"
#include "engine/engine.h"
#include "journal/journal.h"
#include "server/api_keys.h"
#include "server/demo_venue.h"
#include "server/venue.h"
#include "signed_caller.h"
#include "sqlite/sqlite.h"

namespace qz::server {
namespace {

namespace http = boost::beast::http;

// An IVMS101 record with the parts given ("" leaves a part out).
std::string ivms(const std::string& originator, const std::string& from_account, bool national_id,
                 const std::string& beneficiary, const std::string& to_account) {
  const auto person = [](const std::string& name, bool id) {
    return R"([{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":")" + name +
           R"(","nameIdentifierType":"LEGL"}]})" +
           (id ? R"(,"nationalIdentification":{"nationalIdentifier":"900101300123","nationalIdentifierType":"NIDN"})"
               : "") +
           "}}]";
  };
  const auto entity = [&](const char* persons, const std::string& name, bool id, const std::string& account) {
    std::string out = "{";
    if (!name.empty()) out += std::string("\"") + persons + "\":" + person(name, id);
    if (!account.empty()) out += std::string(out.size() > 1 ? "," : "") + "\"accountNumber\":[\"" + account + "\"]";
    return out + "}";
  };
  return "{\"originator\":" + entity("originatorPersons", originator, national_id, from_account) +
         ",\"beneficiary\":" + entity("beneficiaryPersons", beneficiary, false, to_account) + "}";
}

constexpr char kList[] =
    "uid,name,type,dob,country,aliases\n"
    "kz-9,Viktor Bout,individual,1967-01-13,RU,\n";

class ComplianceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/qz-compliance-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    temp_ = pattern;
    data_ = temp_ + "/data";
    std::filesystem::create_directories(temp_ + "/lists");
    std::ofstream(temp_ + "/lists/national.csv") << kList;
    ASSERT_TRUE(init_data_dir(InitOptions{.data_dir = data_}).is_ok());
    VenueOptions options;
    options.data_dir = data_;
    options.http.port = 0;
    options.sanctions_lists_dir = temp_ + "/lists";
    RecoveryReport report;
    const Status opened = Venue::open(options, &venue_, &report);
    ASSERT_TRUE(opened.is_ok()) << opened.message();
    ASSERT_TRUE(venue_->start().is_ok());
    ASSERT_TRUE(set_up_demo(venue_.get(), &setup_).is_ok());
    // Rates: a dollar is 520.00 KZT, a BTC 52,000,000.00 KZT; 0.001 BTC is USD 100, 0.1 BTC USD 10,000.
    SubmitResult result;
    ASSERT_TRUE(venue_
                    ->submit(std::vector<Command>{make_set_conversion_rate(0, 520'00),
                                                  make_set_conversion_rate(btc(), 52'000'000'00)},
                             &result)
                    .is_ok());

    std::ifstream in(data_ + "/keys/operator-api.txt");
    std::string word, key, secret;
    in >> word >> key >> word >> secret;
    op_ = std::make_unique<Caller>(venue_->port(), key, secret);
    officer_ = user("Saule", "compliance", "read,trade");
    regulator_ = user("Arman", "regulator", "read");
    customer_ = user("Erlan", "customer", "read,trade,withdraw");
    // 1 BTC is USD 100,000: the full set, from another exchange's client.
    Reply deposit = deposit_btc("1", ivms("Dana Ospanova", "bc1qsender", true, "Erlan Nurlanov", "bc1qerlan"));
    ASSERT_EQ(deposit.status, 200) << deposit.body;
  }
  void TearDown() override {
    op_.reset();
    officer_.reset();
    regulator_.reset();
    customer_.reset();
    if (venue_) venue_->stop();
    std::error_code ignored;
    std::filesystem::remove_all(temp_, ignored);
  }

  uint32_t btc() {
    for (const AssetInfo& asset : venue_->market_data().assets()) {
      if (asset.code == "BTC") return asset.id;
    }
    ADD_FAILURE() << "no BTC";
    return 0;
  }
  // A user with a key; its id in customer_id_ when a customer.
  std::unique_ptr<Caller> user(const std::string& name, const std::string& role, const std::string& permissions) {
    Reply made = op_->post("/v1/users", {{"name", name}, {"role", role}});
    EXPECT_EQ(made.status, 200) << made.body;
    const int64_t id = json_int(made.body, "userId");
    if (role == "customer") customer_id_ = static_cast<uint64_t>(id);
    Reply key =
        op_->post("/v1/keys", {{"userId", std::to_string(id)}, {"permissions", permissions}, {"ips", "127.0.0.1"}});
    EXPECT_EQ(key.status, 200) << key.body;
    return std::make_unique<Caller>(venue_->port(), json_text(key.body, "apiKey"), json_text(key.body, "secret"));
  }
  Reply deposit_btc(const std::string& amount, const std::string& record) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"userId", std::to_string(customer_id_)}, {"asset", "BTC"}, {"amount", amount}};
    if (!record.empty()) params.emplace_back("travelRule", record);
    return op_->post("/v1/deposits", params);
  }
  Reply withdraw(const std::string& amount, const std::string& record,
                 std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"asset", "BTC"}, {"amount", amount}, {"address", "bc1qdest"}};
    if (!record.empty()) params.emplace_back("travelRule", record);
    params.insert(params.end(), extra.begin(), extra.end());
    return customer_->post("/v1/withdrawals", params);
  }
  ClientStatus core_status(uint64_t client) {
    ClientStatus status = ClientStatus::pending;
    venue_->with_engine([&](const Engine& engine) {
      const Client* found = engine.clients().find(client);
      if (found != nullptr) status = found->status;
    });
    return status;
  }
  // The customer onboarded (its record screened) and approved: active in the core.
  void onboard_customer(const std::string& residence = "KZ") {
    const std::string record = R"({"id": )" + std::to_string(customer_id_) +
                               R"(, "kind": "person", "name": {"latin": "Erlan Nurlanov"},
      "date_of_birth": "1988-05-06", "nationality": "KZ", "residence": ")" +
                               residence + R"(",
      "document": {"type": "passport", "number": "N7654321", "country": "KZ"},
      "address": {"street": "Abay 10", "city": "Almaty", "country": "KZ"},
      "class": "retail", "kyc_tier": 2, "knowledge_test": true})";
    Reply onboarded = officer_->post("/v1/clients", {{"record", record}});
    ASSERT_EQ(onboarded.status, 200) << onboarded.body;
    EXPECT_EQ(json_int(onboarded.body, "hits"), 0) << onboarded.body;
    Reply approved = officer_->post("/v1/clients/approve", {{"clientId", std::to_string(customer_id_)}});
    ASSERT_EQ(approved.status, 200) << approved.body;
    EXPECT_EQ(core_status(customer_id_), ClientStatus::active);
  }

  std::string temp_;
  std::string data_;
  std::unique_ptr<Venue> venue_;
  DemoSetup setup_;
  std::unique_ptr<Caller> op_;
  std::unique_ptr<Caller> officer_;
  std::unique_ptr<Caller> regulator_;
  std::unique_ptr<Caller> customer_;
  uint64_t customer_id_ = 0;
};

TEST_F(ComplianceTest, RoutesCheckTheCallersRole) {
  struct Case {
    const char* method;
    const char* path;
    bool regulator;  // the regulator may call it (reads)
  };
  const Case kRoutes[] = {
      {"GET", "/v1/clients", true},
      {"POST", "/v1/clients", false},
      {"POST", "/v1/clients/update", false},
      {"POST", "/v1/clients/approve", false},
      {"POST", "/v1/clients/freeze", false},
      {"POST", "/v1/clients/unfreeze", false},
      {"GET", "/v1/screening", true},
      {"GET", "/v1/alerts", true},
      {"GET", "/v1/cases", true},
      {"POST", "/v1/cases", false},
      {"POST", "/v1/cases/assign", false},
      {"POST", "/v1/cases/comment", false},
      {"POST", "/v1/cases/close", false},
      {"GET", "/v1/cases/screening", true},
      {"POST", "/v1/cases/screening/clear", false},
      {"POST", "/v1/cases/screening/confirm", false},
      {"GET", "/v1/cases/screening/report", true},
      {"GET", "/v1/reports/aml", true},
      {"GET", "/v1/reports/quarterly", true},
      {"GET", "/v1/travel-rule", true},
  };
  Caller trader(venue_->port(), setup_.traders.at(0).api_key, setup_.traders.at(0).secret);
  for (const Case& route : kRoutes) {
    const http::verb verb = std::string(route.method) == "GET" ? http::verb::get : http::verb::post;
    SCOPED_TRACE(std::string(route.method) + " " + route.path);
    // A trader and the operator are refused; the compliance officer passes the role check (the answer may
    // still refuse the missing parameters); the regulator reads only.
    Reply refused = trader.call(verb, route.path, {});
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(json_int(refused.body, "code"), 1003) << refused.body;
    EXPECT_TRUE(contains(refused.body, "the role customer may not")) << refused.body;
    EXPECT_EQ(op_->call(verb, route.path, {}).status, 403);
    EXPECT_NE(officer_->call(verb, route.path, {}).status, 403);
    const Reply supervised = regulator_->call(verb, route.path, {});
    if (route.regulator) {
      EXPECT_NE(supervised.status, 403) << supervised.body;
    } else {
      EXPECT_EQ(supervised.status, 403) << supervised.body;
    }
  }
  // The OpenAPI document lists them.
  Reply openapi = op_->get("/v1/openapi.json");
  for (const Case& route : kRoutes)
    EXPECT_TRUE(contains(openapi.body, std::string("\"") + route.path + "\"")) << route.path;
}

TEST_F(ComplianceTest, TravelRuleRefusalsNameWhatIsMissing) {
  struct Case {
    const char* what;
    std::string amount;
    std::string record;
    std::vector<std::pair<std::string, std::string>> extra;
    int code;
  };
  // In the order the gate checks; USD 100 takes the reduced set, USD 10,000 the full one.
  const Case kCases[] = {
      {"no record", "0.001", "", {}, 619},
      {"no originator name", "0.001", ivms("", "bc1qfrom", false, "Dana Ospanova", "bc1qdest"), {}, 619},
      {"no originator account", "0.001", ivms("Erlan Nurlanov", "", false, "Dana Ospanova", "bc1qdest"), {}, 620},
      {"full set without identifier",
       "0.1",
       ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest"),
       {},
       621},
      {"no beneficiary name", "0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "", "bc1qdest"), {}, 622},
      {"no beneficiary account", "0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", ""), {}, 623},
      {"self-hosted without declaration",
       "0.001",
       ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest"),
       {{"counterparty", "self_hosted"}},
       624},
      {"malformed record", "0.001", "{\"originator\":", {}, 1001},
      {"unknown counterparty kind",
       "0.001",
       ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest"),
       {{"counterparty", "bank"}},
       1001},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.what);
    Reply refused = withdraw(c.amount, c.record, c.extra);
    EXPECT_EQ(refused.status, c.code == 1001 ? 400 : 422) << refused.body;
    EXPECT_EQ(json_int(refused.body, "code"), c.code) << refused.body;
  }
  Reply missing = withdraw("0.001", "");
  EXPECT_TRUE(contains(missing.body, "the originator's name is missing") && contains(missing.body, "travelRule"))
      << missing.body;

  // Complete sets pass: the reduced one below USD 1,000, the full one with a national id, a declared wallet.
  Reply reduced = withdraw("0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest"));
  ASSERT_EQ(reduced.status, 200) << reduced.body;
  EXPECT_TRUE(contains(reduced.body, "\"status\":\"PENDING\"")) << reduced.body;
  Reply full = withdraw("0.1", ivms("Erlan Nurlanov", "bc1qfrom", true, "Dana Ospanova", "bc1qdest"));
  ASSERT_EQ(full.status, 200) << full.body;
  Reply declared = withdraw("0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "Erlan Nurlanov", "bc1qmine"),
                            {{"counterparty", "self_hosted"}, {"ownershipDeclared", "true"}});
  ASSERT_EQ(declared.status, 200) << declared.body;
  // Tenge is not crypto: no record needed.
  ASSERT_EQ(
      op_->post("/v1/deposits", {{"userId", std::to_string(customer_id_)}, {"asset", "KZT"}, {"amount", "10"}}).status,
      200);
  EXPECT_EQ(customer_->post("/v1/withdrawals", {{"asset", "KZT"}, {"amount", "5"}, {"address", "KZ01"}}).status, 200);

  // Exported for the regulator with the record, its digest and the value the gate used; the hold journals the
  // digest's first 8 bytes as its reference.
  Reply exported = regulator_->get("/v1/travel-rule");
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_TRUE(contains(exported.body, "\"usdCents\":10000,") && contains(exported.body, "\"usdCents\":1000000,"))
      << exported.body;
  EXPECT_TRUE(contains(exported.body, json_text(full.body, "travelRuleDigest"))) << exported.body;
  EXPECT_TRUE(contains(exported.body, "\"counterparty\":\"self_hosted\"")) << exported.body;
  EXPECT_TRUE(contains(exported.body, "\"primaryIdentifier\":\"Dana Ospanova\"")) << exported.body;
  Reply one = officer_->get("/v1/travel-rule", {{"withdrawalId", std::to_string(json_int(full.body, "withdrawalId"))}});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json_int(one.body, "withdrawalId"), json_int(full.body, "withdrawalId"));
  EXPECT_EQ(officer_->get("/v1/travel-rule", {{"withdrawalId", "999999"}}).status, 404);

  // qazna verify checks every record against its digest and the journal's references; an edited record fails.
  uint64_t records = 0;
  const Status verified = app::verify_travel_rule(data_, &records);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_EQ(records, 4u);  // the set-up deposit and three withdrawals
  {
    std::unique_ptr<sqlite::Database> db;
    ASSERT_TRUE(sqlite::Database::open(data_ + "/travel_rule.db", sqlite::OpenOptions{}, &db).is_ok());
    ASSERT_TRUE(db->exec("UPDATE movements SET record = replace(record, 'Dana Ospanova', 'Dana Ospanov')"
                         " WHERE kind = 'withdrawal' AND id = " +
                         std::to_string(json_int(full.body, "withdrawalId")))
                    .is_ok());
  }
  const Status edited = app::verify_travel_rule(data_, &records);
  EXPECT_EQ(edited.message(), "travel rule: the record of withdrawal " +
                                  std::to_string(json_int(full.body, "withdrawalId")) + " does not match its digest");

  // A client without a record here is held all the same, and confirmed: the report says no record was kept,
  // and the core, which never registered the client, gets no freeze.
  Reply held = withdraw("0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "Viktor Bout", "bc1qbout"));
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_TRUE(contains(held.body, "\"status\":\"HELD\"")) << held.body;
  Reply confirmed =
      officer_->post("/v1/cases/screening/confirm",
                     {{"clientId", std::to_string(customer_id_)}, {"text", "Listed."}, {"entry", "national:kz-9"}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_TRUE(contains(confirmed.body, "\"commands\":[]")) << confirmed.body;
  Reply report = officer_->get("/v1/cases/screening/report", {{"clientId", std::to_string(customer_id_)}});
  EXPECT_TRUE(contains(report.body, "\"record_version\":0,\"record\":null")) << report.body;
  EXPECT_EQ(officer_->get("/v1/cases/screening/report", {{"clientId", "424242"}}).body, "[]");
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
}

TEST_F(ComplianceTest, ScreeningHitHoldsTheWithdrawalUntilClearedOrConfirmed) {
  onboard_customer();
  const std::string to_bout = ivms("Erlan Nurlanov", "bc1qfrom", false, "Viktor Bout", "bc1qbout");

  // A hit holds the withdrawal and opens a screening case; the operator cannot approve it.
  Reply held = withdraw("0.001", to_bout);
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_TRUE(contains(held.body, "\"status\":\"HELD\"")) << held.body;
  const int64_t first = json_int(held.body, "withdrawalId");
  const int64_t case_id = json_int(held.body, "screeningCase");
  ASSERT_GT(case_id, 0) << held.body;
  Reply refused = op_->post("/v1/withdrawals/approve", {{"withdrawalId", std::to_string(first)}});
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_TRUE(contains(refused.body, "held by screening case")) << refused.body;
  Reply listed = regulator_->get("/v1/cases/screening", {{"clientId", std::to_string(customer_id_)}});
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_TRUE(contains(listed.body, "\"state\":\"open\"") && contains(listed.body, "\"uid\":\"kz-9\"") &&
              contains(listed.body, "\"withdrawals\":[" + std::to_string(first) + "]"))
      << listed.body;
  EXPECT_TRUE(contains(officer_->get("/v1/cases/screening").body, "\"screeningCase\":" + std::to_string(case_id)));

  // Cleared as a false positive: the operator approves it.
  Reply bad_clear = officer_->post("/v1/cases/screening/clear", {{"clientId", std::to_string(customer_id_)}});
  EXPECT_EQ(bad_clear.status, 400) << bad_clear.body;  // the officer's reasoning is required
  Reply cleared = officer_->post("/v1/cases/screening/clear",
                                 {{"clientId", std::to_string(customer_id_)}, {"text", "A namesake: born 1990."}});
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  Reply approved = op_->post("/v1/withdrawals/approve", {{"withdrawalId", std::to_string(first)}});
  EXPECT_EQ(approved.status, 200) << approved.body;

  // Held again, confirmed: the client is frozen, the report prepared, the withdrawal cannot be paid out and
  // nothing more leaves the client's accounts.
  Reply again = withdraw("0.001", to_bout);
  ASSERT_EQ(again.status, 200) << again.body;
  const int64_t second = json_int(again.body, "withdrawalId");
  EXPECT_NE(json_int(again.body, "screeningCase"), case_id) << again.body;
  Reply confirmed = officer_->post("/v1/cases/screening/confirm",
                                   {{"clientId", std::to_string(customer_id_)}, {"text", "Same person."}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_TRUE(contains(confirmed.body, "set_client_status " + std::to_string(customer_id_) + " frozen sanctions_match"))
      << confirmed.body;
  EXPECT_EQ(core_status(customer_id_), ClientStatus::frozen);
  Reply report = regulator_->get("/v1/cases/screening/report", {{"clientId", std::to_string(customer_id_)}});
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_TRUE(contains(report.body, "\"report\":\"sanctions_match\"") && contains(report.body, "kz-9")) << report.body;
  Reply blocked = op_->post("/v1/withdrawals/approve", {{"withdrawalId", std::to_string(second)}});
  EXPECT_EQ(blocked.status, 409) << blocked.body;
  EXPECT_TRUE(contains(blocked.body, "confirmed a sanctions match")) << blocked.body;
  Reply frozen = withdraw("0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest"));
  EXPECT_EQ(frozen.status, 422) << frozen.body;
  EXPECT_EQ(json_int(frozen.body, "code"), 607) << frozen.body;  // client_frozen
  Reply unfreeze = officer_->post("/v1/clients/unfreeze", {{"clientId", std::to_string(customer_id_)}});
  EXPECT_EQ(unfreeze.status, 409) << unfreeze.body;
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
}

// Deposits carry the same data; an originator's hit holds the client: an active one is frozen until the case is
// cleared.
TEST_F(ComplianceTest, DepositsCarryTheTravelRuleAndAHitHoldsTheClient) {
  Reply bare = deposit_btc("0.001", "");
  EXPECT_EQ(bare.status, 422) << bare.body;
  EXPECT_EQ(json_int(bare.body, "code"), 619) << bare.body;
  Reply no_identifier = deposit_btc("0.1", ivms("Dana Ospanova", "bc1qsender", false, "Erlan Nurlanov", "bc1qerlan"));
  EXPECT_EQ(json_int(no_identifier.body, "code"), 621) << no_identifier.body;
  EXPECT_EQ(
      op_->post("/v1/deposits", {{"userId", std::to_string(customer_id_)}, {"asset", "KZT"}, {"amount", "10"}}).status,
      200);

  onboard_customer();
  Reply from_bout = deposit_btc("0.001", ivms("Viktor Bout", "bc1qbout", false, "Erlan Nurlanov", "bc1qerlan"));
  ASSERT_EQ(from_bout.status, 200) << from_bout.body;
  const int64_t transfer = json_int(from_bout.body, "transferId");
  ASSERT_GT(json_int(from_bout.body, "screeningCase"), 0) << from_bout.body;
  EXPECT_EQ(core_status(customer_id_), ClientStatus::frozen);
  EXPECT_EQ(
      json_int(withdraw("0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest")).body, "code"),
      607);
  Reply cases = officer_->get("/v1/cases/screening", {{"clientId", std::to_string(customer_id_)}});
  EXPECT_TRUE(contains(cases.body, "\"deposits\":[" + std::to_string(transfer) + "]")) << cases.body;
  Reply exported = regulator_->get("/v1/travel-rule", {{"depositId", std::to_string(transfer)}});
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_TRUE(contains(exported.body, "\"kind\":\"deposit\"") && contains(exported.body, "Viktor Bout"))
      << exported.body;
  Reply cleared = officer_->post("/v1/cases/screening/clear",
                                 {{"clientId", std::to_string(customer_id_)}, {"text", "A namesake."}});
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(core_status(customer_id_), ClientStatus::active);
  EXPECT_EQ(withdraw("0.001", ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest")).status, 200);
  venue_->with_engine([](const Engine& engine) { EXPECT_EQ(engine.check_invariants(), ""); });
}

TEST_F(ComplianceTest, FreezeStopsEveryOutgoingMovementUntilUnfrozen) {
  onboard_customer();
  const std::string record = ivms("Erlan Nurlanov", "bc1qfrom", false, "Dana Ospanova", "bc1qdest");
  Reply pending = withdraw("0.001", record);
  ASSERT_EQ(pending.status, 200) << pending.body;
  const std::vector<std::pair<std::string, std::string>> sell = {{"symbol", "BTCKZT"}, {"side", "SELL"},
                                                                 {"type", "LIMIT"},    {"timeInForce", "GTC"},
                                                                 {"quantity", "0.01"}, {"price", "90000000"}};
  Reply resting = customer_->post("/api/v3/order", sell);
  ASSERT_EQ(resting.status, 200) << resting.body;
  Reply frozen =
      officer_->post("/v1/clients/freeze", {{"clientId", std::to_string(customer_id_)}, {"text", "Review."}});
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  EXPECT_EQ(core_status(customer_id_), ClientStatus::frozen);
  // At once: the resting order is cancelled, no order, withdrawal or payout goes through.
  EXPECT_EQ(customer_->get("/api/v3/openOrders", {{"symbol", "BTCKZT"}}).body, "[]");
  EXPECT_NE(customer_->post("/api/v3/order", sell).status, 200);
  EXPECT_EQ(json_int(withdraw("0.001", record).body, "code"), 607);
  Reply payout =
      op_->post("/v1/withdrawals/approve", {{"withdrawalId", std::to_string(json_int(pending.body, "withdrawalId"))}});
  EXPECT_EQ(payout.status, 422) << payout.body;
  EXPECT_EQ(json_int(payout.body, "code"), 607) << payout.body;
  Reply bad_reason =
      officer_->post("/v1/clients/freeze", {{"clientId", std::to_string(customer_id_)}, {"reason", "whim"}});
  EXPECT_EQ(bad_reason.status, 400) << bad_reason.body;
  ASSERT_EQ(officer_->post("/v1/clients/unfreeze", {{"clientId", std::to_string(customer_id_)}}).status, 200);
  EXPECT_EQ(core_status(customer_id_), ClientStatus::active);
  EXPECT_EQ(withdraw("0.001", record).status, 200);
  // An unregistered user cannot be frozen: the engine's refusal.
  Reply unknown = officer_->post("/v1/clients/freeze", {{"clientId", "999999"}});
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  // The client's record and its log.
  Reply shown = regulator_->get("/v1/clients", {{"clientId", std::to_string(customer_id_)}});
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_TRUE(contains(shown.body, "Erlan Nurlanov") && contains(shown.body, "unfrozen")) << shown.body;
}

TEST_F(ComplianceTest, ScreeningAlertsCasesAndReports) {
  Reply hit = officer_->get("/v1/screening", {{"name", "Bout, Viktor"}});
  ASSERT_EQ(hit.status, 200) << hit.body;
  EXPECT_TRUE(contains(hit.body, "\"uid\":\"kz-9\"")) << hit.body;
  Reply none = regulator_->get("/v1/screening", {{"name", "Aigerim Serikova"}});
  EXPECT_TRUE(contains(none.body, "\"hits\":[]")) << none.body;
  EXPECT_EQ(officer_->get("/v1/screening").status, 400);

  EXPECT_EQ(regulator_->get("/v1/alerts").body, "[]");
  Reply no_alert = officer_->post("/v1/cases", {{"alertIds", "1"}});
  EXPECT_EQ(no_alert.status, 404) << no_alert.body;
  EXPECT_EQ(officer_->post("/v1/cases/assign", {{"caseId", "1"}, {"assignee", "saule"}}).status, 404);
  EXPECT_EQ(regulator_->get("/v1/cases").body, "[]");

  // A client resident in a high-risk country: its deposit raises an alert, a case is opened, assigned, commented
  // and closed with client_frozen, which freezes the client.
  onboard_customer("IR");
  ASSERT_EQ(
      op_->post("/v1/deposits", {{"userId", std::to_string(customer_id_)}, {"asset", "KZT"}, {"amount", "10"}}).status,
      200);
  Reply alerts = regulator_->get("/v1/alerts", {{"clientId", std::to_string(customer_id_)}});
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  EXPECT_TRUE(contains(alerts.body, "high_risk_jurisdiction")) << alerts.body;
  const std::string alert = std::to_string(json_int(alerts.body, "alert"));
  Reply opened = officer_->post("/v1/cases", {{"alertIds", alert}, {"note", "Resident in IR."}});
  ASSERT_EQ(opened.status, 200) << opened.body;
  const std::string case_id = std::to_string(json_int(opened.body, "case"));
  EXPECT_EQ(officer_->post("/v1/cases", {{"alertIds", alert}}).status, 409);  // already in a case
  EXPECT_EQ(officer_->post("/v1/cases/assign", {{"caseId", case_id}, {"assignee", "saule"}}).status, 200);
  EXPECT_EQ(
      officer_->post("/v1/cases/comment", {{"caseId", case_id}, {"text", "Asked for the source of funds."}}).status,
      200);
  EXPECT_EQ(officer_->post("/v1/cases/close", {{"caseId", case_id}, {"outcome", "maybe"}}).status, 400);
  Reply closed =
      officer_->post("/v1/cases/close", {{"caseId", case_id}, {"outcome", "client_frozen"}, {"text", "No answer."}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(core_status(customer_id_), ClientStatus::frozen);
  EXPECT_EQ(officer_->post("/v1/cases/comment", {{"caseId", case_id}, {"text", "Late."}}).status, 409);
  Reply shown = regulator_->get("/v1/cases", {{"caseId", case_id}});
  EXPECT_TRUE(contains(shown.body, "client_frozen") && contains(shown.body, "Asked for the source of funds.") &&
              contains(shown.body, "saule"))
      << shown.body;

  const int64_t year =
      std::chrono::duration_cast<std::chrono::hours>(std::chrono::system_clock::now().time_since_epoch()).count() /
          (24 * 36525 / 100) +
      1970;
  Reply aml = regulator_->get("/v1/reports/aml", {{"year", std::to_string(year)}});
  ASSERT_EQ(aml.status, 200) << aml.body;
  EXPECT_TRUE(contains(aml.body, std::to_string(year))) << aml.body;
  Reply quarterly = regulator_->get("/v1/reports/quarterly", {{"quarter", "2200Q4"}});
  EXPECT_EQ(quarterly.status, 404) << quarterly.body;
  EXPECT_EQ(regulator_->get("/v1/reports/quarterly", {{"quarter", "2026Q5"}}).status, 400);
}

}  // namespace
}  // namespace qz::server
