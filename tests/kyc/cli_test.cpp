// `qazna client` end to end: the real binary (QZ_BIN) on a fresh data directory and the published lists; bad input
// refused with nothing changed, a clean onboarding approved, a listed person held, refused approval, confirmed
// (frozen in the journal), shown and reported.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../app/cli_util.h"

namespace qz::app::testing {
namespace {

constexpr char kClean[] =
    R"({"id":1001,"kind":"person","name":{"latin":"Aigerim Serikova","original":"Айгерим Серикова"},)"
    R"("date_of_birth":"1990-03-04","nationality":"KZ","residence":"KZ",)"
    R"("document":{"type":"passport","number":"N1234567","country":"KZ"},)"
    R"("address":{"street":"Mangilik El 55","city":"Astana","country":"KZ"},)"
    R"("class":"retail","kyc_tier":1,"knowledge_test":false})";

// OFAC SDN 16691, in Cyrillic.
constexpr char kListed[] =
    R"({"id":1002,"kind":"person","name":{"latin":"Sergei Naryshkin","original":"Сергей Евгеньевич Нарышкин"},)"
    R"("date_of_birth":"1954-10-27","nationality":"RU","residence":"KZ",)"
    R"("document":{"type":"passport","number":"7100 123456","country":"RU"},)"
    R"("address":{"street":"Abay 10","city":"Almaty","country":"KZ"},)"
    R"("class":"retail","kyc_tier":1,"knowledge_test":false})";

class ClientCommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(qazna_binary().empty()) << "QZ_BIN is not set; run through ctest";
    data_ = tmp_ / "data";
    ASSERT_EQ(qazna({"init", "--data", data_}).exit_code, 0);
    const char* shared = std::getenv("QZ_SHARED");
    lists_ = std::string(shared == nullptr ? "../shared" : shared) + "/data/sanctions";
    write_file(tmp_ / "clean.json", kClean);
    write_file(tmp_ / "listed.json", kListed);
  }
  RunResult qazna(const std::vector<std::string>& args) { return run_qazna(tmp_.path(), args); }
  RunResult client(std::vector<std::string> args) {
    args.insert(args.begin(), "client");
    args.insert(args.begin() + 2, {"--data", data_});
    return qazna(args);
  }
  std::string inspect() { return qazna({"inspect", "--data", data_, "--json"}).out; }

  TempDir tmp_;
  std::string data_;
  std::string lists_;
};

TEST_F(ClientCommandLine, BadInputChangesNothing) {
  const std::string before = inspect();
  write_file(tmp_ / "bad.json", std::string(kClean).replace(std::string(kClean).find("\"KZ\",\"residence\""), 4, "\"QQ\""));
  RunResult r = client({"onboard", "--file", tmp_ / "bad.json", "--by", "aigerim", "--lists", lists_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("client record: nationality: must be an assigned ISO 3166-1 alpha-2"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("nothing changed"), std::string::npos);
  EXPECT_EQ(client({"onboard", "--file", tmp_ / "clean.json", "--by", "ai gerim"}).exit_code, 2);
  EXPECT_EQ(client({"approve", "--id", "0", "--by", "aigerim"}).exit_code, 2);
  EXPECT_EQ(client({"onboard", "--file", tmp_ / "missing.json", "--by", "aigerim"}).exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(data_ + "/clients.db")) << "refused input created the store";
  EXPECT_EQ(inspect(), before) << "refused input reached the journal";
  r = client({"list"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "no clients\n");
  EXPECT_EQ(client({"show", "--id", "5"}).exit_code, 1);
  EXPECT_EQ(qazna({"client", "onboard", "--data", tmp_ / "nowhere", "--file", tmp_ / "clean.json", "--by", "a"})
                .exit_code,
            3);
}

TEST_F(ClientCommandLine, OnboardHoldConfirmAndReport) {
  RunResult r = client({"onboard", "--file", tmp_ / "clean.json", "--by", "aigerim", "--lists", lists_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("onboarded client 1001 (version 1): no hits; pending"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("journal: register_client 1001"), std::string::npos) << r.out;
  r = client({"approve", "--id", "1001", "--by", "bauyrzhan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("set_client_status 1001 active kyc_approved"), std::string::npos) << r.out;

  r = client({"onboard", "--file", tmp_ / "listed.json", "--by", "aigerim", "--lists", lists_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("HELD (hold 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ofac_sdn_2021-07 16691  NARYSHKIN, Sergey Yevgenyevich"), std::string::npos) << r.out;
  r = client({"onboard", "--file", tmp_ / "listed.json", "--by", "aigerim", "--lists", lists_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already onboarded"), std::string::npos) << r.err;

  const std::string before = inspect();
  r = client({"approve", "--id", "1002", "--by", "bauyrzhan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is held by screening (hold 1"), std::string::npos) << r.err;
  EXPECT_EQ(inspect(), before);

  r = client({"confirm", "--id", "1002", "--by", "bauyrzhan", "--text", "Same person."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("set_client_status 1002 frozen sanctions_match"), std::string::npos) << r.out;

  r = client({"show", "--id", "1002", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element shown;
  ASSERT_EQ(parser.parse(r.out).get(shown), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(std::string_view(shown["status"]), "frozen");
  EXPECT_EQ(std::string_view(shown["reason"]), "sanctions_match");
  EXPECT_EQ(std::string_view(shown["hold"]), "confirmed");
  EXPECT_EQ(std::string_view(shown["record"]["name"]["original"]), "Сергей Евгеньевич Нарышкин");
  simdjson::dom::array hits = shown["screenings"].at(0)["hits"];
  ASSERT_GE(hits.size(), 1u);
  EXPECT_EQ(std::string_view(hits.at(0)["uid"]), "16691");

  r = client({"report", "--id", "1002", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser report_parser;
  simdjson::dom::element report;
  ASSERT_EQ(report_parser.parse(r.out).get(report), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(std::string_view(report["match"]["uid"]), "16691");
  EXPECT_EQ(std::string_view(report["hold"]["confirmed_by"]), "bauyrzhan");
  r = client({"report", "--id", "1002"});
  EXPECT_NE(r.out.find("SANCTIONS MATCH REPORT"), std::string::npos) << r.out;
  EXPECT_EQ(client({"report", "--id", "1001"}).exit_code, 1);

  r = client({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
  EXPECT_NE(r.out.find("client 1002  person  Sergei Naryshkin  version 1  frozen (sanctions_match)  hold confirmed"),
            std::string::npos)
      << r.out;

  // The same lists again: nothing to rescreen. The chain stays valid.
  r = client({"rescreen", "--lists", lists_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("nothing to rescreen"), std::string::npos) << r.out;
  EXPECT_EQ(qazna({"verify", "--data", data_}).exit_code, 0);
}

}  // namespace
}  // namespace qz::app::testing
