// The KYC flow (kyc/flow.h) against a real journal (a Node on a temporary data directory) and the real published
// lists (../shared/data/sanctions): a clean onboarding, a listed person held then cleared or confirmed (the freeze
// checked in the engine after a replay of the journal), a listed beneficial owner, a name change, and a list
// update that rescreens against the changed entries only.
#include "kyc/flow.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "journal/journal.h"
#include "kyc/node_core.h"
#include "kyc/render.h"

namespace qz::kyc {
namespace {

std::string shared_lists_dir() {
  const char* shared = std::getenv("QZ_SHARED");
  return std::string(shared == nullptr ? "../shared" : shared) + "/data/sanctions";
}

ClientRecord person(uint64_t id, const std::string& latin, const std::string& original, const std::string& dob,
                    const std::string& nationality) {
  ClientRecord r;
  r.id = id;
  r.kind = ClientKind::person;
  r.name = LegalName{.latin = latin, .original = original};
  r.date_of_birth = dob;
  r.nationality = nationality;
  r.residence = "KZ";
  r.document = IdentityDocument{.type = DocumentType::passport, .number = "N" + std::to_string(id), .country = nationality};
  r.address = Address{.street = "Abay 10", .city = "Almaty", .postcode = "050000", .country = "KZ"};
  r.kyc_tier = 1;
  return r;
}

class KycFlow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Status status = load_screening_lists(shared_lists_dir(), &published_);
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  static void TearDownTestSuite() { published_.reset(); }

  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "qz-kyc-flow-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_TRUE(init_data_dir(InitOptions{.data_dir = dir_ + "/data", .genesis_time_ns = 1'000}).is_ok());
    open_node();
    ASSERT_TRUE(ClientStore::open(dir_ + "/data/clients.db", &store_).is_ok());
    lists_ = published_.get();
  }
  void TearDown() override {
    if (node_ != nullptr) node_->stop();
    node_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void open_node() {
    RecoveryReport report;
    const Status status = Node::open(NodeOptions{.data_dir = dir_ + "/data"}, &node_, &report);
    ASSERT_TRUE(status.is_ok()) << status.message();
    core_ = std::make_unique<NodeCore>(node_.get());
  }

  // One flow per step, as the command line makes one.
  Kyc flow() {
    return Kyc(store_.get(), core_.get(), [this](const ScreeningLists** lists) {
      *lists = lists_;
      return Status::ok();
    });
  }
  uint64_t now() { return now_ns_ += 1'000'000'000; }

  CoreClient engine_client(uint64_t id) { return core_->client(id); }

  size_t action_count(uint64_t id) {
    std::vector<Action> actions;
    EXPECT_TRUE(store_->actions(id, &actions).is_ok());
    return actions.size();
  }

  static std::unique_ptr<ScreeningLists> published_;
  std::string dir_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<NodeCore> core_;
  std::unique_ptr<ClientStore> store_;
  const ScreeningLists* lists_ = nullptr;
  uint64_t now_ns_ = 1'700'000'000'000'000'000;
};

std::unique_ptr<ScreeningLists> KycFlow::published_;

TEST_F(KycFlow, OnboardsACleanNameAsPendingThenApproves) {
  Outcome out;
  KycResult result =
      flow().onboard(person(1001, "Aigerim Serikova", "Айгерим Серикова", "1990-03-04", "KZ"), "aigerim", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_EQ(out.version, 1u);
  EXPECT_EQ(out.hits, 0u);
  EXPECT_FALSE(out.hold_opened);
  EXPECT_EQ(out.commands, std::vector<std::string>{"register_client 1001"});
  CoreClient core = engine_client(1001);
  ASSERT_TRUE(core.registered);
  EXPECT_EQ(core.status, ClientStatus::pending);
  EXPECT_EQ(std::string(core.facts.residence, 2), "KZ");
  EXPECT_EQ(core.facts.kyc_tier, 1u);

  std::vector<Screening> screenings;
  ASSERT_TRUE(store_->screenings(1001, &screenings).is_ok());
  ASSERT_EQ(screenings.size(), 1u);
  EXPECT_EQ(screenings[0].trigger, "onboarding");
  EXPECT_EQ(screenings[0].queries, 2u) << "both scripts are screened";
  EXPECT_EQ(screenings[0].threshold, screening::kDefaultThreshold);

  // Onboarding twice is refused, and so is a client the journal already knows.
  result = flow().onboard(person(1001, "Aigerim Serikova", "", "1990-03-04", "KZ"), "aigerim", now(), &out);
  EXPECT_EQ(result.code(), KycCode::exists);
  ASSERT_TRUE(flow().approve(1001, "bauyrzhan", now(), &out).is_ok());
  EXPECT_EQ(engine_client(1001).status, ClientStatus::active);
  EXPECT_EQ(engine_client(1001).reason, ClientStatusReason::kyc_approved);
  EXPECT_EQ(flow().approve(1001, "bauyrzhan", now(), &out).code(), KycCode::conflict) << "already active";
}

TEST_F(KycFlow, ListedNameInCyrillicIsHeldThenCleared) {
  // OFAC SDN 16691: NARYSHKIN, Sergey Yevgenyevich, born 27 Oct 1954, Russia.
  Outcome out;
  KycResult result = flow().onboard(person(1002, "Sergei Evgenevich Naryshkin", "Сергей Евгеньевич Нарышкин",
                                           "1954-10-27", "RU"),
                                    "aigerim", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_TRUE(out.hold_opened);
  EXPECT_GE(out.hits, 1u);
  EXPECT_EQ(engine_client(1002).status, ClientStatus::pending) << "registered pending and held";

  std::vector<Screening> screenings;
  ASSERT_TRUE(store_->screenings(1002, &screenings).is_ok());
  ASSERT_EQ(screenings.size(), 1u);
  EXPECT_EQ(screenings[0].hold_id, out.hold);
  bool found_cyrillic = false;
  for (const ScreeningHit& h : screenings[0].hits) {
    EXPECT_EQ(h.hit.list_id, "ofac_sdn_2021-07");
    EXPECT_EQ(h.hit.uid, "16691");
    EXPECT_GE(h.hit.score, screening::kDefaultThreshold);
    EXPECT_FALSE(h.hit.tokens.empty()) << "every hit keeps its explanation";
    EXPECT_FALSE(h.hit.evidence.empty());
    if (h.subject == "client, original script") found_cyrillic = true;
  }
  EXPECT_TRUE(found_cyrillic);

  // Approval is refused while held, and changes nothing.
  const size_t actions = action_count(1002);
  result = flow().approve(1002, "bauyrzhan", now(), &out);
  EXPECT_EQ(result.code(), KycCode::held);
  EXPECT_NE(result.message().find("clear or confirm"), std::string::npos) << result.message();
  EXPECT_EQ(action_count(1002), actions);
  EXPECT_EQ(engine_client(1002).status, ClientStatus::pending);

  EXPECT_EQ(flow().clear(1002, "bauyrzhan", " ", now(), &out).code(), KycCode::invalid) << "a clearing needs a reason";
  result = flow().clear(1002, "bauyrzhan", "A namesake: passport and place of birth differ.", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_TRUE(out.commands.empty()) << "a pending client was never frozen";
  EXPECT_EQ(flow().clear(1002, "bauyrzhan", "again", now(), &out).code(), KycCode::conflict);
  ASSERT_TRUE(flow().approve(1002, "bauyrzhan", now(), &out).is_ok());
  EXPECT_EQ(engine_client(1002).status, ClientStatus::active);
  std::vector<Hold> holds;
  ASSERT_TRUE(store_->holds(1002, &holds).is_ok());
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].state, HoldState::cleared);
  EXPECT_EQ(holds[0].closed_by, "bauyrzhan");
}

TEST_F(KycFlow, ConfirmedMatchFreezesTheClientInTheJournalAndPreparesTheReport) {
  Outcome out;
  ASSERT_TRUE(flow()
                  .onboard(person(1003, "Sergey Naryshkin", "Сергей Нарышкин", "1954-10-27", "RU"), "aigerim", now(),
                           &out)
                  .is_ok());
  ASSERT_TRUE(out.hold_opened);
  EXPECT_EQ(flow().confirm(1003, "bauyrzhan", "same person", "un:nothing", now(), &out).code(), KycCode::invalid);
  KycResult result = flow().confirm(1003, "bauyrzhan", "Same person: name, date of birth and nationality agree.",
                                    "ofac_sdn_2021-07:16691", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_EQ(out.commands, std::vector<std::string>{"set_client_status 1003 frozen sanctions_match"});
  const uint64_t freeze_height = out.height;

  Report report;
  bool found = false;
  ASSERT_TRUE(store_->report(out.hold, &found, &report).is_ok());
  ASSERT_TRUE(found);
  for (const char* part : {"\"format\":\"qazna.kyc.report.v1\"", "\"uid\":\"16691\"", "\"confirmed_by\":\"bauyrzhan\"",
                           "\"opened_by\":\"aigerim\"", "\"status_before\":\"pending\"", "\"reason\":\"sanctions_match\"",
                           "\"latin\":\"Sergey Naryshkin\"", "\"evidence\":["}) {
    EXPECT_NE(report.json.find(part), std::string::npos) << part << "\n" << report.json;
  }
  EXPECT_NE(report.json.find("\"block\":" + std::to_string(freeze_height)), std::string::npos);
  EXPECT_NE(report.text.find("SANCTIONS MATCH REPORT"), std::string::npos);
  EXPECT_NE(report.text.find("ofac_sdn_2021-07 16691"), std::string::npos) << report.text;
  EXPECT_NE(report.text.find("date of birth 1954-10-27 matches"), std::string::npos) << report.text;

  // A confirmed match is never approved.
  EXPECT_EQ(flow().approve(1003, "bauyrzhan", now(), &out).code(), KycCode::conflict);

  // The freeze is in the journal: a fresh node replays it.
  node_->stop();
  node_.reset();
  open_node();
  const CoreClient replayed = engine_client(1003);
  ASSERT_TRUE(replayed.registered);
  EXPECT_EQ(replayed.status, ClientStatus::frozen);
  EXPECT_EQ(replayed.reason, ClientStatusReason::sanctions_match);
  node_->stop();
  VerifyReport verified;
  const Status verify = verify_data_dir(dir_ + "/data", "", &verified);
  EXPECT_TRUE(verify.is_ok()) << verify.message();
}

TEST_F(KycFlow, ListedBeneficialOwnerHoldsTheCompany) {
  ClientRecord company;
  company.id = 2001;
  company.kind = ClientKind::company;
  company.name = LegalName{.latin = "Steppe Grain Logistics LLP", .original = "ТОО Степь Грейн Логистикс"};
  company.nationality = "KZ";
  company.residence = "KZ";
  company.registration_number = "180140012345";
  company.address = Address{.street = "Dostyk 5", .city = "Almaty", .postcode = "", .country = "KZ"};
  // OFAC SDN 16669: ROTENBERG, Arkady, born 15 Dec 1951, Russia.
  company.owners = {
      BeneficialOwner{.name = {.latin = "Dana Akhmetova", .original = ""},
                      .date_of_birth = "1985-07-12",
                      .nationality = "KZ",
                      .share_hundredths = 4000},
      BeneficialOwner{.name = {.latin = "Arkadiy Rotenberg", .original = "Аркадий Ротенберг"},
                      .date_of_birth = "1951-12-15",
                      .nationality = "RU",
                      .share_hundredths = 6000},
  };
  Outcome out;
  const KycResult result = flow().onboard(company, "aigerim", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_TRUE(out.hold_opened);
  std::vector<Screening> screenings;
  ASSERT_TRUE(store_->screenings(2001, &screenings).is_ok());
  ASSERT_EQ(screenings.size(), 1u);
  EXPECT_EQ(screenings[0].queries, 5u) << "the company's two names and the owners' three";
  ASSERT_FALSE(screenings[0].hits.empty());
  for (const ScreeningHit& h : screenings[0].hits) {
    EXPECT_EQ(h.subject.rfind("beneficial owner 2", 0), 0u) << h.subject;
    EXPECT_EQ(h.hit.uid, "16669");
    EXPECT_EQ(h.query.dob, "1951-12-15") << "the owner's own date of birth is the evidence";
  }
  EXPECT_EQ(flow().approve(2001, "bauyrzhan", now(), &out).code(), KycCode::held);
}

TEST_F(KycFlow, NameChangeRescreensAndHoldsAnActiveClient) {
  Outcome out;
  ClientRecord record = person(1004, "Aliya Nurlanovna", "", "1988-09-01", "KZ");
  ASSERT_TRUE(flow().onboard(record, "aigerim", now(), &out).is_ok());
  ASSERT_FALSE(out.hold_opened);
  ASSERT_TRUE(flow().approve(1004, "aigerim", now(), &out).is_ok());

  // No name changed: a new version, the tier in the core, no screening.
  record.address.street = "Kabanbay Batyr 2";
  record.kyc_tier = 2;
  KycResult result = flow().update(record, "aigerim", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_EQ(out.version, 2u);
  EXPECT_EQ(out.screening, 0u);
  EXPECT_EQ(out.commands, std::vector<std::string>{"update_client 1004"});
  EXPECT_EQ(engine_client(1004).facts.kyc_tier, 2u);
  EXPECT_EQ(flow().update(record, "aigerim", now(), &out).code(), KycCode::invalid) << "nothing changed";

  // The name changes to a listed person's (OFAC SDN 16666: TIMCHENKO, Gennady, born 9 Nov 1952).
  record.name = LegalName{.latin = "Gennady Timchenko", .original = "Геннадий Тимченко"};
  record.date_of_birth = "1952-11-09";
  record.nationality = "FI";
  result = flow().update(record, "aigerim", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_EQ(out.version, 3u);
  EXPECT_NE(out.screening, 0u);
  EXPECT_TRUE(out.hold_opened);
  EXPECT_EQ(out.commands, (std::vector<std::string>{"update_client 1004", "set_client_status 1004 frozen compliance_review"}));
  EXPECT_EQ(engine_client(1004).status, ClientStatus::frozen);
  EXPECT_EQ(engine_client(1004).reason, ClientStatusReason::compliance_review);
  std::vector<Screening> screenings;
  ASSERT_TRUE(store_->screenings(1004, &screenings).is_ok());
  ASSERT_EQ(screenings.size(), 2u);
  EXPECT_EQ(screenings[1].trigger, "name_change");
  EXPECT_EQ(screenings[1].version, 3u);
  EXPECT_EQ(screenings[1].hits.front().hit.uid, "16666");

  // Cleared: active again.
  result = flow().clear(1004, "bauyrzhan", "Different person.", now(), &out);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_EQ(out.commands, std::vector<std::string>{"set_client_status 1004 active review_cleared"});
  EXPECT_EQ(engine_client(1004).status, ClientStatus::active);
  std::vector<RecordVersion> versions;
  ASSERT_TRUE(store_->versions(1004, &versions).is_ok());
  EXPECT_EQ(versions.size(), 3u);
}

// Operator lists in two versions: entry kz-1 stays, kz-2 changes (a new alias), kz-3 is added, kz-4 removed.
std::unique_ptr<ScreeningLists> operator_lists(const char* text) {
  screening::SanctionsList list;
  EXPECT_TRUE(screening::parse_operator_csv(text, "national.csv", "national", &list).is_ok());
  std::vector<screening::SanctionsList> lists;
  lists.push_back(list);
  std::unique_ptr<ScreeningLists> out;
  EXPECT_TRUE(make_screening_lists(std::move(lists), &out).is_ok());
  return out;
}

constexpr char kListV1[] =
    "uid,name,type,dob,country,aliases\n"
    "kz-1,Marat Bekov,individual,1971-02-03,KZ,\n"
    "kz-2,Olga Smirnova,individual,1970,RU,\n"
    "kz-4,Yerlan Sadykov,individual,1966,KZ,\n";
constexpr char kListV2[] =
    "uid,name,type,dob,country,aliases\n"
    "kz-1,Marat Bekov,individual,1971-02-03,KZ,\n"
    "kz-2,Olga Smirnova,individual,1970,RU,Dana Zhunusova\n"
    "kz-3,Timur Zhaksylykov,individual,1979-05-05,KZ,\n";

TEST_F(KycFlow, ListUpdateRescreensAgainstTheChangedEntriesOnly) {
  const std::unique_ptr<ScreeningLists> v1 = operator_lists(kListV1);
  const std::unique_ptr<ScreeningLists> v2 = operator_lists(kListV2);
  lists_ = v1.get();
  Outcome out;
  // Marat Bekov hits kz-1 at onboarding; the officer clears it and approves.
  ASSERT_TRUE(flow().onboard(person(3001, "Marat Bekov", "", "1971-02-03", "KZ"), "aigerim", now(), &out).is_ok());
  ASSERT_TRUE(out.hold_opened);
  ASSERT_TRUE(flow().clear(3001, "aigerim", "Namesake.", now(), &out).is_ok());
  ASSERT_TRUE(flow().approve(3001, "aigerim", now(), &out).is_ok());
  ASSERT_TRUE(flow().onboard(person(3002, "Timur Zhaksylykov", "", "1979-05-05", "KZ"), "aigerim", now(), &out).is_ok());
  ASSERT_FALSE(out.hold_opened);
  ASSERT_TRUE(flow().approve(3002, "aigerim", now(), &out).is_ok());
  ASSERT_TRUE(flow().onboard(person(3003, "Dana Zhunusova", "", "1970-06-01", "RU"), "aigerim", now(), &out).is_ok());
  ASSERT_FALSE(out.hold_opened);

  // The store's digests give the diff the screener's replace_list reports.
  screening::Screener screener;
  screening::SanctionsList list_v1;
  screening::SanctionsList list_v2;
  ASSERT_TRUE(screening::parse_operator_csv(kListV1, "national.csv", "national", &list_v1).is_ok());
  ASSERT_TRUE(screening::parse_operator_csv(kListV2, "national.csv", "national", &list_v2).is_ok());
  ASSERT_TRUE(screener.load({list_v1}).is_ok());
  screening::ListDiff replaced;
  ASSERT_TRUE(screener.replace_list(list_v2, &replaced).is_ok());
  ListState stored;
  std::string summary;
  ASSERT_TRUE(store_->list_state(&stored, &summary).is_ok());
  EXPECT_EQ(summary, v1->summary);
  const std::vector<screening::ListDiff> diffs = diff_list_state(stored, v2->entries);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].list_id, replaced.list_id);
  EXPECT_EQ(diffs[0].added, replaced.added);
  EXPECT_EQ(diffs[0].modified, replaced.modified);
  EXPECT_EQ(diffs[0].removed, replaced.removed);
  EXPECT_EQ(diffs[0].added, std::vector<std::string>{"kz-3"});
  EXPECT_EQ(diffs[0].modified, std::vector<std::string>{"kz-2"});
  EXPECT_EQ(diffs[0].removed, std::vector<std::string>{"kz-4"});

  lists_ = v2.get();
  RescreenReport report;
  const KycResult result = flow().sync_lists("list-update", now(), &report);
  ASSERT_TRUE(result.is_ok()) << result.message();
  EXPECT_TRUE(report.lists_changed);
  EXPECT_EQ(report.changed_entries, 2u);
  EXPECT_EQ(report.clients, 3u);
  EXPECT_EQ(report.held, (std::vector<uint64_t>{3002, 3003})) << "Marat Bekov's unchanged entry is not screened again";
  EXPECT_EQ(report.commands, std::vector<std::string>{"set_client_status 3002 frozen compliance_review"})
      << "only the active client is frozen; the pending one is held";
  EXPECT_EQ(engine_client(3001).status, ClientStatus::active);
  EXPECT_EQ(engine_client(3002).status, ClientStatus::frozen);
  EXPECT_EQ(engine_client(3003).status, ClientStatus::pending);

  std::vector<Screening> screenings;
  ASSERT_TRUE(store_->screenings(3001, &screenings).is_ok());
  ASSERT_EQ(screenings.back().trigger, "list_update");
  EXPECT_TRUE(screenings.back().hits.empty());
  EXPECT_EQ(screenings.back().scope, "national: 1 added, 1 modified, 1 removed");
  ASSERT_TRUE(store_->screenings(3003, &screenings).is_ok());
  ASSERT_EQ(screenings.back().hits.size(), 1u);
  EXPECT_EQ(screenings.back().hits[0].hit.uid, "kz-2");
  EXPECT_EQ(screenings.back().hits[0].hit.matched_kind, screening::NameKind::alias);

  // The same lists again: nothing to do.
  ASSERT_TRUE(flow().sync_lists("list-update", now(), &report).is_ok());
  EXPECT_FALSE(report.lists_changed);
  EXPECT_TRUE(report.held.empty());
}

}  // namespace
}  // namespace qz::kyc
