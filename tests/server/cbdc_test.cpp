// The digital tenge routes of the native API over real HTTP (src/server/cbdc_routes.cpp): the whole flow from
// issuance to a program's expiry and its reports, the gateway's role check of every route (and the core's check
// behind it), the exchange link, DKZT kept out of deposits and withdrawals, the refusals of malformed requests
// and of unsigned ones, and the state across a restart.
//
// The venue runs on a clock of the test's (the wall clock plus an offset) so that a program can expire: the test
// moves the clock two days on, and the next block expires the program. Requests are signed with the same clock.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "journal/journal.h"
#include "server/venue.h"
#include "signed_caller.h"

namespace qz::server {
namespace {

namespace http = boost::beast::http;

constexpr uint64_t kDayNs = 86'400'000'000'000;

// The wall clock, moved on by the test.
class TestClock final : public Clock {
 public:
  uint64_t now_ns() override { return system_clock()->now_ns() + offset_ns_.load(); }
  void advance(uint64_t ns) { offset_ns_ += ns; }

 private:
  std::atomic<uint64_t> offset_ns_{0};
};

// The events of a /v1/cbdc answer named `name`, each as its JSON text, in order.
std::vector<std::string> events_named(const std::string& body, const std::string& name) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  std::vector<std::string> out;
  if (parser.parse(body).get(document) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << body;
    return out;
  }
  simdjson::dom::array events;
  if (document["events"].get_array().get(events) != simdjson::SUCCESS) {
    ADD_FAILURE() << "no events: " << body;
    return out;
  }
  for (simdjson::dom::element event : events) {
    std::string_view kind;
    if (event["event"].get_string().get(kind) == simdjson::SUCCESS && kind == name) {
      out.push_back(simdjson::minify(event));
    }
  }
  return out;
}

// The one event named `name` of an answer ("" and a failure when there is not exactly one).
std::string event_named(const std::string& body, const std::string& name) {
  const std::vector<std::string> found = events_named(body, name);
  if (found.size() != 1) {
    ADD_FAILURE() << found.size() << " events " << name << " in " << body;
    return "";
  }
  return found[0];
}

// What `qazna program report|trail` prints for `program` of `data_dir` (the binary is QZ_BIN).
std::string run_program_cli(const std::string& action, const std::string& data_dir, uint32_t program) {
  const char* bin = std::getenv("QZ_BIN");
  if (bin == nullptr) {
    ADD_FAILURE() << "QZ_BIN is not set";
    return "";
  }
  const std::string command = std::string(bin) + " program " + action + " --data " + data_dir + " --program " +
                              std::to_string(program) + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  EXPECT_EQ(::pclose(pipe), 0) << command;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct User {
  uint64_t id = 0;
  std::string key;
  std::string secret;
};

class CbdcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/qz-cbdc-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    temp_ = pattern;
    data_ = temp_ + "/data";
    ASSERT_TRUE(init_data_dir(InitOptions{.data_dir = data_}).is_ok());
    start_venue();
    std::ifstream in(data_ + "/keys/operator-api.txt");
    std::string word;
    in >> word >> operator_.key >> word >> operator_.secret;
    operator_.id = kOperatorUser;
    op_ = caller(operator_);
    const Reply asset = op_->post("/v1/assets", {{"code", "DKZT"}, {"scale", "2"}});
    ASSERT_EQ(asset.status, 200) << asset.body;
    cb_user_ = user("National Bank", "central_bank");
    bank_user_ = user("Halyk", "bank");
    erlan_user_ = user("Erlan", "customer");
    grocer_user_ = user("Magnum", "merchant");
    cafe_user_ = user("Cafe Central", "merchant");
    agency_user_ = user("Ministry of Education", "merchant");
    builder_user_ = user("Roof Builders LLP", "merchant");
    officer_user_ = user("Saule", "compliance");
    regulator_user_ = user("Arman", "regulator");
    connect();
  }
  void TearDown() override {
    disconnect();
    if (venue_) venue_->stop();
    std::error_code ignored;
    std::filesystem::remove_all(temp_, ignored);
  }

  void start_venue() {
    VenueOptions options;
    options.data_dir = data_;
    options.http.port = 0;
    options.clock = &clock_;
    RecoveryReport report;
    const Status opened = Venue::open(options, &venue_, &report);
    ASSERT_TRUE(opened.is_ok()) << opened.message();
    ASSERT_TRUE(venue_->start().is_ok());
  }
  std::unique_ptr<Caller> caller(const User& u) {
    return std::make_unique<Caller>(venue_->port(), u.key, u.secret,
                                    [this] { return static_cast<int64_t>(clock_.now_ns() / 1'000'000); });
  }
  // A user of `role` with a read and trade key (a regulator's reads only).
  User user(const std::string& name, const std::string& role) {
    const Reply made = op_->post("/v1/users", {{"name", name}, {"role", role}});
    EXPECT_EQ(made.status, 200) << made.body;
    User u;
    u.id = static_cast<uint64_t>(json_int(made.body, "userId"));
    const Reply key = op_->post(
        "/v1/keys", {{"userId", std::to_string(u.id)}, {"permissions", role == "regulator" ? "read" : "read,trade"}});
    EXPECT_EQ(key.status, 200) << key.body;
    u.key = json_text(key.body, "apiKey");
    u.secret = json_text(key.body, "secret");
    return u;
  }
  void connect() {
    op_ = caller(operator_);
    cb_ = caller(cb_user_);
    bank_ = caller(bank_user_);
    erlan_ = caller(erlan_user_);
    grocer_ = caller(grocer_user_);
    cafe_ = caller(cafe_user_);
    agency_ = caller(agency_user_);
    builder_ = caller(builder_user_);
    officer_ = caller(officer_user_);
    regulator_ = caller(regulator_user_);
  }
  void disconnect() {
    for (std::unique_ptr<Caller>* c :
         {&op_, &cb_, &bank_, &erlan_, &grocer_, &cafe_, &agency_, &builder_, &officer_, &regulator_}) {
      c->reset();
    }
  }
  void restart() {
    disconnect();
    venue_->stop();
    venue_.reset();
    start_venue();
    connect();
  }

  // POSTs the command `request` to /v1/cbdc/<route>.
  static Reply send(Caller& who, const std::string& route, const std::string& request) {
    return who.post("/v1/cbdc/" + route, {{"request", request}});
  }
  // The same, expecting success: the answer's body.
  static std::string ok(Caller& who, const std::string& route, const std::string& request) {
    const Reply reply = send(who, route, request);
    EXPECT_EQ(reply.status, 200) << route << " " << request << ": " << reply.body;
    return reply.body;
  }
  // The same, expecting the engine's refusal `code`: the answer's message.
  static std::string refused(Caller& who, const std::string& route, const std::string& request, int code,
                             const std::string& name) {
    const Reply reply = send(who, route, request);
    EXPECT_EQ(reply.status, 422) << route << " " << request << ": " << reply.body;
    EXPECT_EQ(json_int(reply.body, "code"), code) << reply.body;
    EXPECT_EQ(json_text(reply.body, "name"), name) << reply.body;
    EXPECT_GT(json_int(reply.body, "height"), 0) << reply.body;
    return json_text(reply.body, "message");
  }
  // Opens a wallet as `who`; its id.
  static uint64_t open_wallet(Caller& who, const std::string& request) {
    return static_cast<uint64_t>(json_int(event_named(ok(who, "wallets", request), "wallet_opened"), "wallet"));
  }
  static std::string wallet(Caller& who, uint64_t id) {
    const Reply reply = who.get("/v1/cbdc/wallet", {{"wallet", std::to_string(id)}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.body;
  }

  std::string temp_;
  std::string data_;
  TestClock clock_;
  std::unique_ptr<Venue> venue_;
  User operator_, cb_user_, bank_user_, erlan_user_, grocer_user_, cafe_user_, agency_user_, builder_user_,
      officer_user_, regulator_user_;
  std::unique_ptr<Caller> op_, cb_, bank_, erlan_, grocer_, cafe_, agency_, builder_, officer_, regulator_;
};

TEST_F(CbdcTest, FromIssuanceToExpiryAndTheReports) {
  const std::string cb = std::to_string(cb_user_.id);
  // The central bank: its wallet (the issuance account), a class, a bank's wallet, issuance.
  const std::string opened = ok(*cb_, "wallets", R"({"owner":)" + cb + R"(,"kind":"central_bank"})");
  EXPECT_TRUE(contains(event_named(opened, "account_opened"), R"("kind":"issuance")")) << opened;
  const uint64_t central = static_cast<uint64_t>(json_int(event_named(opened, "wallet_opened"), "wallet"));
  ASSERT_EQ(central, 1u);
  const std::string defined = ok(*cb_, "wallet-classes",
                                 R"({"kyc_level":2,"balance_cap":"500000.00","per_payment_limit":"200000.00",)"
                                 R"("daily_limit":"300000.00","annual_limit":"5000000.00"})");
  EXPECT_EQ(json_int(event_named(defined, "wallet_class_defined"), "wallet_class"), 1) << defined;
  const uint64_t bank = open_wallet(*cb_, R"({"owner":)" + std::to_string(bank_user_.id) + R"(,"kind":"bank"})");
  const std::string issued =
      ok(*cb_, "issue", R"({"bank_wallet":)" + std::to_string(bank) + R"(,"amount":"1000000.00"})");
  EXPECT_TRUE(contains(event_named(issued, "cbdc_issued"), R"("amount":"1000000.00")")) << issued;
  EXPECT_EQ(events_named(issued, "transfer_posted").size(), 1u);

  // The bank opens its clients' wallets; a wallet's owner must have the role its kind takes.
  const auto owned = [](const User& u) { return R"({"owner":)" + std::to_string(u.id); };
  const uint64_t erlan = open_wallet(*bank_, owned(erlan_user_) + R"(,"kind":"individual","wallet_class":1})");
  const uint64_t grocer = open_wallet(*bank_, owned(grocer_user_) + R"(,"kind":"merchant","mcc":5411,"region":75})");
  const uint64_t cafe = open_wallet(*bank_, owned(cafe_user_) + R"(,"kind":"merchant","mcc":5813,"region":75})");
  const uint64_t agency = open_wallet(*bank_, owned(agency_user_) + R"(,"kind":"agency","mcc":9399,"region":75})");
  const uint64_t builder =
      open_wallet(*bank_, owned(builder_user_) + R"(,"kind":"contractor","mcc":1520,"region":75})");
  const Reply misfit = send(*bank_, "wallets", owned(bank_user_) + R"(,"kind":"individual"})");
  EXPECT_EQ(misfit.status, 400) << misfit.body;
  EXPECT_TRUE(contains(misfit.body, "has role bank; a wallet of kind individual belongs to a user of role customer"))
      << misfit.body;
  // The gateway lets a bank open wallets; the core does not let it open a bank's.
  refused(*bank_, "wallets", owned(bank_user_) + R"(,"kind":"bank"})", 3, "actor_not_permitted");

  // Distribution: the bank pays the individual from its wallet.
  ok(*bank_, "payments",
     R"({"payer":)" + std::to_string(bank) + R"(,"payee":)" + std::to_string(erlan) + R"(,"amount":"1000.00"})");

  // A food program (groceries only, expiring in a day) and a grant to the individual.
  const uint64_t expires_at_ns = clock_.now_ns() + kDayNs;
  const std::string published = ok(*cb_, "programs",
                                   R"({"code":"FOOD-2027","issuer_wallet":1,"categories":[5411],"expires_at_ns":)" +
                                       std::to_string(expires_at_ns) + "}");
  EXPECT_EQ(events_named(published, "money_part_taken").size(), 2u) << published;  // terms and the category list
  ASSERT_EQ(json_int(event_named(published, "program_published"), "program"), 1) << published;
  const std::string granted =
      ok(*cb_, "grants", R"({"program":1,"holder":)" + std::to_string(erlan) + R"(,"amount":"500.00"})");
  EXPECT_TRUE(contains(event_named(granted, "lot_changed"), R"("change":"granted","delta":"500.00")")) << granted;

  // The individual pays the grocer: the lot goes first and is unwrapped at the merchant.
  const std::string paid =
      ok(*erlan_, "payments",
         R"({"payer":)" + std::to_string(erlan) + R"(,"payee":)" + std::to_string(grocer) + R"(,"amount":"300.00"})");
  const std::string spent = event_named(paid, "lot_changed");
  EXPECT_TRUE(contains(spent, R"("change":"spent","delta":"-300.00")")) << paid;
  EXPECT_EQ(json_int(spent, "counterparty"), static_cast<int64_t>(grocer));
  EXPECT_TRUE(contains(event_named(paid, "transfer_posted"), R"("amount":"300.00")")) << paid;
  std::string erlans = wallet(*erlan_, erlan);
  EXPECT_TRUE(contains(erlans, R"("kind":"individual")")) << erlans;
  EXPECT_TRUE(contains(erlans, R"("free":"1000.00")")) << erlans;
  EXPECT_TRUE(contains(erlans, R"("lots":[{"program":1,"code":"FOOD-2027","balance":"200.00","received":"500.00")"))
      << erlans;

  // At a restaurant the lot does not count: more than the free balance is refused with the program's condition.
  const std::string to_cafe = R"({"payer":)" + std::to_string(erlan) + R"(,"payee":)" + std::to_string(cafe);
  EXPECT_EQ(refused(*erlan_, "payments", to_cafe + R"(,"amount":"1100.00"})", 447, "program_category_not_allowed"),
            "program FOOD-2027: merchant category 5813 not allowed");
  // From the free balance; a retry with the same request_id is answered, not paid again.
  const std::string coffee = to_cafe + R"(,"amount":"50.00","request_id":77})";
  EXPECT_EQ(events_named(ok(*erlan_, "payments", coffee), "cbdc_paid").size(), 1u);
  const std::string again = ok(*erlan_, "payments", coffee);
  EXPECT_TRUE(contains(again, R"("events":[{"event":"duplicate",)")) << again;
  EXPECT_TRUE(contains(again, R"("request_id":77)")) << again;
  // A refused request stays refused when it is sent again.
  const std::string refused_twice = to_cafe + R"(,"amount":"9000.00","request_id":78})";
  refused(*erlan_, "payments", refused_twice, 447, "program_category_not_allowed");
  EXPECT_TRUE(contains(refused(*erlan_, "payments", refused_twice, 447, "program_category_not_allowed"),
                       "(the answer to request_id 78 when it was first sent)"));
  // Short of money: 422 like every refusal, with what the lots and the free balance covered.
  EXPECT_EQ(refused(*erlan_, "payments",
                    R"({"payer":)" + std::to_string(erlan) + R"(,"payee":)" + std::to_string(grocer) +
                        R"(,"amount":"5000.00"})",
                    410, "money_insufficient_funds"),
            "wallet " + std::to_string(erlan) +
                ": the lots that may pay this, the free balance and the linked account do not cover the amount "
                "(covered 1150.00)");
  // Only the owner pays from a wallet (the core's check behind the gateway's).
  EXPECT_EQ(
      refused(*erlan_, "payments",
              R"({"payer":)" + std::to_string(grocer) + R"(,"payee":)" + std::to_string(cafe) + R"(,"amount":"1.00"})",
              407, "money_not_wallet_owner"),
      "wallet " + std::to_string(grocer) + ": the actor does not own the wallet money would leave");
  erlans = wallet(*erlan_, erlan);
  EXPECT_TRUE(contains(erlans, R"("free":"950.00")")) << erlans;

  // A milestone program: the agency's officer attests each tranche, in order.
  ok(*cb_, "programs",
     R"({"code":"SCHOOL-ROOF","issuer_wallet":1,"release_rule":"milestone","attester":)" +
         std::to_string(agency_user_.id) + "}");
  const std::string tranches = ok(
      *cb_, "grants",
      R"({"program":2,"holder":)" + std::to_string(builder) + R"(,"amount":"1000.00","tranches":["600.00","400.00"]})");
  const std::vector<std::string> releases = events_named(tranches, "release_opened");
  ASSERT_EQ(releases.size(), 2u) << tranches;
  const std::string first = std::to_string(json_int(releases[0], "release"));
  const std::string second = std::to_string(json_int(releases[1], "release"));
  refused(*bank_, "releases/attest", R"({"release":)" + first + "}", 3, "actor_not_permitted");
  refused(*agency_, "releases/attest", R"({"release":)" + second + "}", 427, "money_tranche_out_of_order");
  const std::string attested = ok(*agency_, "releases/attest", R"({"release":)" + first + "}");
  EXPECT_TRUE(contains(event_named(attested, "release_done"), R"("amount":"600.00")")) << attested;
  const std::string builders = wallet(*builder_, builder);
  EXPECT_TRUE(contains(builders, R"("lots":[{"program":2,"code":"SCHOOL-ROOF","balance":"600.00")")) << builders;
  EXPECT_TRUE(contains(builders, R"("pending":[{"release":)" + second)) << builders;
  // The contractor keeps the label until a terminal recipient: the grocer unwraps it.
  ok(*builder_, "payments",
     R"({"payer":)" + std::to_string(builder) + R"(,"payee":)" + std::to_string(grocer) + R"(,"amount":"100.00"})");

  // An agency publishes a program of its own (it reads that program's reports, not the central bank's).
  const std::string aid =
      ok(*agency_, "programs", R"({"code":"SCHOOL-MEALS","issuer_wallet":)" + std::to_string(agency) + "}");
  const int64_t aid_program = json_int(event_named(aid, "program_published"), "program");

  // Two days later the next block expires the food program: the rest of the lot goes back to the central bank.
  clock_.advance(2 * kDayNs);
  ok(*bank_, "payments",
     R"({"payer":)" + std::to_string(bank) + R"(,"payee":)" + std::to_string(erlan) + R"(,"amount":"1.00"})");
  erlans = wallet(*erlan_, erlan);
  EXPECT_TRUE(contains(erlans, R"("free":"951.00")")) << erlans;
  EXPECT_TRUE(contains(erlans, R"("lots":[])")) << erlans;
  const Reply program = regulator_->get("/v1/cbdc/program", {{"code", "FOOD-2027"}});
  ASSERT_EQ(program.status, 200) << program.body;
  EXPECT_TRUE(contains(program.body, R"("status":"expired")")) << program.body;
  EXPECT_TRUE(contains(program.body, R"("categories":[5411])")) << program.body;
  EXPECT_TRUE(contains(program.body, R"("returned":"200.00")")) << program.body;
  const Reply central_bank = cb_->get("/v1/cbdc/wallet", {{"wallet", std::to_string(central)}});
  // Issued: 1,000,000.00 to the bank and the central bank's grants (500.00 and 1,000.00); redeemed: the expired
  // lot's 200.00, returned to the issuance account.
  EXPECT_TRUE(contains(central_bank.body, R"("issued":"1001500.00","redeemed":"200.00","supply":"1001300.00")"))
      << central_bank.body;

  // The reports: what happened, exactly as `qazna program report|trail` prints it from the same journal.
  const Reply report = regulator_->get("/v1/cbdc/reports/program", {{"program", "1"}});
  ASSERT_EQ(report.status, 200) << report.body;
  for (const char* part :
       {R"("status":"expired")", R"("granted":"500.00")", R"("pending":"0.00")", R"("outstanding":"0.00")",
        R"("spent":"300.00")", R"("returned":"200.00")",
        R"("spent_by_category_region":[{"mcc":5411,"region":75,"spent":"300.00"}])", R"("balanced":true)"}) {
    EXPECT_TRUE(contains(report.body, part)) << part << " in " << report.body;
  }
  EXPECT_EQ(report.body, run_program_cli("report", data_, 1));
  const Reply trail = officer_->get("/v1/cbdc/reports/trail", {{"program", "1"}});
  ASSERT_EQ(trail.status, 200) << trail.body;
  const std::string hops[] = {
      R"("hop":"granted","from":1,"to":)" + std::to_string(erlan) + R"(,"amount":"500.00")",
      R"("hop":"unwrapped","from":)" + std::to_string(erlan) + R"(,"to":)" + std::to_string(grocer) +
          R"(,"amount":"300.00")",
      R"("hop":"returned","from":)" + std::to_string(erlan) + R"(,"to":1,"amount":"200.00")",
  };
  size_t at = 0;
  for (const std::string& hop : hops) {
    const size_t found = trail.body.find(hop, at);
    EXPECT_NE(found, std::string::npos) << hop << " after " << at << " in " << trail.body;
    if (found != std::string::npos) at = found;
  }
  EXPECT_TRUE(contains(trail.body, R"("terminal_recipients":[{"wallet":)" + std::to_string(grocer) +
                                       R"(,"kind":"merchant","mcc":5411,"region":75,"amount":"300.00"}])"))
      << trail.body;
  EXPECT_EQ(trail.body, run_program_cli("trail", data_, 1));
  const Reply milestone = cb_->get("/v1/cbdc/reports/program", {{"program", "2"}});
  EXPECT_TRUE(contains(milestone.body, R"("granted":"1000.00","pending":"400.00","released":"600.00")"))
      << milestone.body;
  // A merchant reads only the reports of its agency's programs.
  EXPECT_EQ(agency_->get("/v1/cbdc/reports/program", {{"program", std::to_string(aid_program)}}).status, 200);
  const Reply not_its = agency_->get("/v1/cbdc/reports/program", {{"program", "1"}});
  EXPECT_EQ(not_its.status, 403) << not_its.body;
  EXPECT_EQ(cb_->get("/v1/cbdc/reports/program", {{"program", "9"}}).status, 404);

  // The state survives a restart: the same wallet, the same reports.
  const std::string before = wallet(*regulator_, erlan);
  restart();
  EXPECT_EQ(wallet(*regulator_, erlan), before);
  EXPECT_EQ(regulator_->get("/v1/cbdc/reports/trail", {{"program", "1"}}).body, trail.body);
  ok(*erlan_, "payments",
     R"({"payer":)" + std::to_string(erlan) + R"(,"payee":)" + std::to_string(grocer) + R"(,"amount":"1.00"})");
  EXPECT_TRUE(contains(wallet(*erlan_, erlan), R"("free":"950.00")"));
}

// Every route, every role: the gateway refuses a role the route does not take with 403 (naming role and route)
// before it reads the request; a role it takes gets past (here to the 400 of a missing parameter).
TEST_F(CbdcTest, EveryRouteChecksTheCallersRole) {
  struct Route {
    const char* method;
    const char* path;
    std::vector<const char*> roles;  // empty: any
  };
  const std::vector<Route> kRoutes = {
      {"POST", "/v1/cbdc/wallet-classes", {"central_bank", "operator"}},
      {"POST", "/v1/cbdc/wallets", {"central_bank", "bank", "operator"}},
      {"POST", "/v1/cbdc/programs", {"central_bank", "merchant", "operator"}},
      {"POST", "/v1/cbdc/issue", {"central_bank"}},
      {"POST", "/v1/cbdc/redeem", {"central_bank"}},
      {"POST", "/v1/cbdc/grants", {"central_bank", "merchant"}},
      {"POST", "/v1/cbdc/payments", {"customer", "merchant", "bank"}},
      {"POST", "/v1/cbdc/releases/attest", {"central_bank", "bank", "merchant"}},
      {"POST", "/v1/cbdc/releases/dispute", {"central_bank", "merchant"}},
      {"POST", "/v1/cbdc/releases/cancel", {"central_bank", "merchant"}},
      {"POST", "/v1/cbdc/programs/status", {"central_bank", "merchant", "operator"}},
      {"POST", "/v1/cbdc/exchange-link", {"operator"}},
      {"GET", "/v1/cbdc/wallet", {}},
      {"GET", "/v1/cbdc/program", {}},
      {"GET", "/v1/cbdc/reports/program", {"central_bank", "operator", "compliance", "regulator", "merchant"}},
      {"GET", "/v1/cbdc/reports/trail", {"central_bank", "operator", "compliance", "regulator", "merchant"}},
  };
  const std::pair<const char*, Caller*> kCallers[] = {
      {"operator", op_.get()},        {"customer", erlan_.get()},      {"merchant", grocer_.get()},
      {"compliance", officer_.get()}, {"regulator", regulator_.get()}, {"central_bank", cb_.get()},
      {"bank", bank_.get()},
  };
  const Reply openapi = op_->get("/v1/openapi.json");
  for (const Route& route : kRoutes) {
    const http::verb verb = std::string(route.method) == "GET" ? http::verb::get : http::verb::post;
    for (const auto& caller : kCallers) {
      // Named copies: clang does not let a lambda capture a structured binding before C++20's P1091 lands.
      const char* role = caller.first;
      Caller* who = caller.second;
      SCOPED_TRACE(std::string(route.method) + " " + route.path + " as " + role);
      const bool allowed = route.roles.empty() ||
                           std::find_if(route.roles.begin(), route.roles.end(),
                                        [&](const char* r) { return std::string(r) == role; }) != route.roles.end();
      const Reply reply = who->call(verb, route.path, {});
      if (allowed) {
        EXPECT_EQ(reply.status, 400) << reply.body;
        EXPECT_EQ(json_int(reply.body, "code"), 1001) << reply.body;
      } else {
        EXPECT_EQ(reply.status, 403) << reply.body;
        EXPECT_EQ(json_int(reply.body, "code"), 1003) << reply.body;
        // A regulator's key is read-only: its permission fails before its role.
        const bool read_only = std::string(role) == "regulator" && verb == http::verb::post;
        EXPECT_TRUE(contains(
            reply.body, read_only ? std::string("permissions for action")
                                  : std::string("the role ") + role + " may not " + route.method + " " + route.path))
            << reply.body;
      }
    }
    EXPECT_TRUE(contains(openapi.body, std::string("\"") + route.path + "\"")) << route.path;
  }
  // Customers and merchants read only their own wallets.
  ok(*cb_, "wallets", R"({"owner":)" + std::to_string(cb_user_.id) + R"(,"kind":"central_bank"})");
  const uint64_t mine = open_wallet(*cb_, R"({"owner":)" + std::to_string(erlan_user_.id) + R"(,"kind":"individual"})");
  EXPECT_EQ(erlan_->get("/v1/cbdc/wallet", {{"wallet", std::to_string(mine)}}).status, 200);
  const Reply not_yours = grocer_->get("/v1/cbdc/wallet", {{"wallet", std::to_string(mine)}});
  EXPECT_EQ(not_yours.status, 403) << not_yours.body;
  EXPECT_TRUE(contains(not_yours.body, "is not yours")) << not_yours.body;
  EXPECT_EQ(bank_->get("/v1/cbdc/wallet", {{"wallet", std::to_string(mine)}}).status, 200);
  EXPECT_EQ(regulator_->get("/v1/cbdc/wallet", {{"wallet", "99"}}).status, 404);
  // Behind the gateway the core checks again: the central bank redeems only from a bank's wallet.
  EXPECT_EQ(refused(*cb_, "redeem", R"({"bank_wallet":)" + std::to_string(mine) + R"(,"amount":"1.00"})", 409,
                    "money_wallet_kind_invalid"),
            "wallet " + std::to_string(mine) + ": this operation does not take a wallet of this kind");
}

// The exchange link over HTTP: the operator opens the venue's MCC 6051 wallet (owned by the venue itself) and links
// it to its KZT issuance account; a customer's payment to it, naming the customer's own KZT account at the
// exchange, credits that account in the same ledger group.
TEST_F(CbdcTest, ExchangeLinkCreditsTheCustomersTenge) {
  ASSERT_EQ(op_->post("/v1/assets", {{"code", "KZT"}, {"scale", "2"}}).status, 200);
  ok(*cb_, "wallets", R"({"owner":)" + std::to_string(cb_user_.id) + R"(,"kind":"central_bank"})");
  const uint64_t bank = open_wallet(*cb_, R"({"owner":)" + std::to_string(bank_user_.id) + R"(,"kind":"bank"})");
  ok(*cb_, "issue", R"({"bank_wallet":)" + std::to_string(bank) + R"(,"amount":"1000.00"})");
  const uint64_t erlan =
      open_wallet(*bank_, R"({"owner":)" + std::to_string(erlan_user_.id) + R"(,"kind":"individual"})");
  ok(*bank_, "payments",
     R"({"payer":)" + std::to_string(bank) + R"(,"payee":)" + std::to_string(erlan) + R"(,"amount":"100.00"})");
  const uint64_t venue = open_wallet(*op_, R"({"owner":1,"kind":"merchant","mcc":6051,"region":75})");
  uint64_t venue_tenge = 0;
  uint64_t erlan_tenge = 0;
  venue_->with_engine([&](const Engine& engine) {
    const uint32_t kzt = engine.ledger().find_asset("KZT");
    for (uint64_t id = 1; id <= engine.ledger().account_count(); id++) {
      const Account* account = engine.ledger().account(id);
      if (account->asset == kzt && account->kind == AccountKind::issuance && account->owner == kVenueOwner) {
        venue_tenge = id;
      }
    }
    erlan_tenge = engine.exchange().trading_account(erlan_user_.id, kzt);
  });
  ASSERT_NE(venue_tenge, 0u);
  ASSERT_NE(erlan_tenge, 0u);
  const std::string link =
      R"({"venue_wallet":)" + std::to_string(venue) + R"(,"tenge_account":)" + std::to_string(venue_tenge) + "}";
  EXPECT_EQ(send(*cb_, "exchange-link", link).status, 403);
  EXPECT_EQ(events_named(ok(*op_, "exchange-link", link), "exchange_link_set").size(), 1u);
  const std::string moved = ok(*erlan_, "payments",
                               R"({"payer":)" + std::to_string(erlan) + R"(,"payee":)" + std::to_string(venue) +
                                   R"(,"amount":"40.00","exchange_account":)" + std::to_string(erlan_tenge) + "}");
  const std::vector<std::string> postings = events_named(moved, "transfer_posted");
  ASSERT_EQ(postings.size(), 2u) << moved;
  EXPECT_TRUE(contains(postings[0], R"("amount":"40.00","asset":"DKZT")")) << moved;
  EXPECT_TRUE(contains(postings[1], R"("amount":"40.00","asset":"KZT")")) << moved;
  EXPECT_EQ(json_int(postings[1], "credit"), static_cast<int64_t>(erlan_tenge)) << moved;
  // Someone else's KZT account is not the customer's to name.
  refused(*erlan_, "payments",
          R"({"payer":)" + std::to_string(erlan) + R"(,"payee":)" + std::to_string(venue) +
              R"(,"amount":"1.00","exchange_account":)" + std::to_string(venue_tenge) + "}",
          429, "money_exchange_account_invalid");
  EXPECT_TRUE(contains(wallet(*erlan_, erlan), R"("free":"60.00")"));
}

// DKZT enters only through issuance: the native API's deposits and withdrawals refuse it (the venue's issuance
// account of the asset would otherwise mint it outside the central bank's supply), and so do its markets.
TEST_F(CbdcTest, DigitalTengeIsNeitherDepositedNorWithdrawn) {
  const Reply deposit =
      op_->post("/v1/deposits", {{"userId", std::to_string(erlan_user_.id)}, {"asset", "DKZT"}, {"amount", "10.00"}});
  EXPECT_EQ(deposit.status, 409) << deposit.body;
  EXPECT_TRUE(contains(deposit.body, "issued by the central bank")) << deposit.body;
  const Reply key = op_->post(
      "/v1/keys",
      {{"userId", std::to_string(erlan_user_.id)}, {"permissions", "read,trade,withdraw"}, {"ips", "127.0.0.1"}});
  ASSERT_EQ(key.status, 200) << key.body;
  Caller customer(venue_->port(), json_text(key.body, "apiKey"), json_text(key.body, "secret"),
                  [this] { return static_cast<int64_t>(clock_.now_ns() / 1'000'000); });
  const Reply withdrawal = customer.post("/v1/withdrawals", {{"asset", "DKZT"}, {"amount", "1.00"}, {"address", "x"}});
  EXPECT_EQ(withdrawal.status, 409) << withdrawal.body;
  // Nor is it traded on the venue's books, as base or as quote.
  ASSERT_EQ(op_->post("/v1/assets", {{"code", "KZT"}, {"scale", "2"}}).status, 200);
  for (const auto& [base, quote] : {std::pair{"DKZT", "KZT"}, std::pair{"KZT", "DKZT"}}) {
    const Reply market = op_->post("/v1/markets", {{"base", base},
                                                   {"quote", quote},
                                                   {"tickSize", "0.01"},
                                                   {"stepSize", "0.01"},
                                                   {"maxQty", "1000"},
                                                   {"price", "1.00"}});
    EXPECT_EQ(market.status, 409) << market.body;
    EXPECT_TRUE(contains(market.body, "not traded on the venue's books")) << market.body;
  }
}

TEST_F(CbdcTest, MalformedAndUnsignedRequestsAreRefused) {
  struct Case {
    const char* route;
    std::string request;
    const char* message;
  };
  const Case kCases[] = {
      {"payments", R"({"payer":1,)", "parameter 'request': malformed JSON"},
      {"payments", "[1]", "parameter 'request': expected a JSON object, got an array"},
      {"payments", R"({"payer":1,"payee":2})", R"(parameter 'request': \"amount\": is required but missing)"},
      {"payments", R"({"payer":1,"payee":2,"amount":12.5})", R"(\"amount\": must be a decimal string)"},
      {"payments", R"({"payer":1,"payee":2,"amount":"1.001"})", R"(\"amount\": is not a digital tenge amount)"},
      {"payments", R"({"cmd":"grant","program":1,"holder":2,"amount":"1"})",
       R"(\"cmd\": this route takes \"pay\", not \"grant\")"},
      {"payments", R"({"actor":1,"payer":1,"payee":2,"amount":"1"})",
       R"(\"actor\": comes from the API key that signs the request; leave it out)"},
      {"payments", R"({"role":"operator","payer":1,"payee":2,"amount":"1"})", R"(\"role\": comes from the API key)"},
      {"payments", R"({"payer":1,"payee":2,"amount":"1","memo":"x"})", R"(\"memo\": is not a field of pay)"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.request);
    const Reply reply = send(*erlan_, c.route, c.request);
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(json_int(reply.body, "code"), 1001) << reply.body;
    EXPECT_TRUE(contains(reply.body, c.message)) << reply.body;
  }
  const Reply status = send(*cb_, "programs/status", R"({"program":1,"status":"closed"})");
  EXPECT_EQ(status.status, 400) << status.body;
  EXPECT_TRUE(contains(status.body, R"(\"status\": unknown value \"closed\")")) << status.body;
  const Reply missing = erlan_->post("/v1/cbdc/payments", {});
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(contains(missing.body, "missing parameter 'request'")) << missing.body;

  // Without a signature, or without a key: 401, and nothing reaches the engine.
  const uint64_t height = venue_->height();
  for (const bool key : {true, false}) {
    const Reply unsigned_reply = erlan_->call_unsigned(http::verb::post, "/v1/cbdc/payments",
                                                       {{"request", R"({"payer":1,"payee":2,"amount":"1.00"})"}}, key);
    EXPECT_EQ(unsigned_reply.status, 401) << unsigned_reply.body;
    EXPECT_EQ(json_int(unsigned_reply.body, "code"), 1002) << unsigned_reply.body;
    EXPECT_EQ(erlan_->call_unsigned(http::verb::get, "/v1/cbdc/wallet", {{"wallet", "1"}}, key).status, 401);
  }
  EXPECT_EQ(venue_->height(), height);
}

}  // namespace
}  // namespace qz::server
