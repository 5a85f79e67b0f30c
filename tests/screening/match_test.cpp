// Matching against a small operator list: one test per kind of variation (reordered, missing middle name,
// romanisation, Cyrillic and Arabic script, typo, weak alias, honorifics and legal forms), the explanation of a
// hit, date of birth and country as evidence, ranking and determinism, and reload with its diff and rescreening
// of only the changed entries.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "screening/lists.h"
#include "screening/screener.h"

namespace qz::screening {
namespace {

constexpr const char* kList =
    "uid,name,type,dob,country,aliases,weak_aliases,list\n"
    "p1,\"NARYSHKIN, Sergey Yevgenyevich\",individual,1954-10-27,RU,,,SDN\n"
    "p2,\"MADURO MOROS, Nicolas\",individual,1962-11-23,VE,,,SDN\n"
    "p3,\"ABO GHAITH, Sulaiman Jassem\",individual,1965-12-14,KW,,,SDN\n"
    "p4,\"SHCHERBAKOV, Kirill Konstantinovich\",individual,1983,RU,,,SDN\n"
    "p5,\"KOZLOV, Ivan Petrovich\",individual,,RU,,,SDN\n"
    "p6,\"MORALES LOAIZA, Edilma\",individual,1974-12-29,CO,,MARIA OFELIA,SDN\n"
    "p7,\"ESPARRAGOZA MORENO, Juan Jose\",individual,1949,MX,,,SDN\n"
    "p8,\"AL-KHASHIBAN, Fahd Muhammad 'Abd Al-'Aziz\",individual,,SA,,,SDN\n"
    "p9,\"ABDRAKHMANOV, Timur Bolatovich\",individual,1980,KZ,Тимур Абдрахманов,,PEP\n"
    "e1,ZVEZDA,entity,,RU,PAO ZVEZDA,,SDN\n"
    "e2,\"ALPHA TRADE TOO\",entity,,KZ,,,AFM\n"
    "d1,\"NOVAK, Petr\",individual,,CZ,,,SDN\n"
    "d2,\"NOVAK, Petr\",individual,,SK,,,SDN\n";

SanctionsList make_list(const std::string& text = kList) {
  SanctionsList list;
  const Status status = parse_operator_csv(text, "test.csv", "test", &list);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return list;
}

Query named(const std::string& name, const std::string& dob = "", const std::string& country = "") {
  Query query;
  query.name = name;
  query.dob = dob;
  query.country = country;
  return query;
}

class Matching : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<SanctionsList> lists;
    lists.push_back(make_list());
    ASSERT_TRUE(screener_.load(std::move(lists)).is_ok());
  }

  std::vector<Hit> screen(const Query& query, uint32_t threshold = kDefaultThreshold) {
    ScreenOptions options;
    options.threshold = threshold;
    std::vector<Hit> hits;
    const Status status = screener_.screen(query, options, &hits);
    EXPECT_TRUE(status.is_ok()) << status.message();
    return hits;
  }

  // The hit for `uid`, or a hit with score 0 when there is none at the threshold.
  Hit hit_for(const std::string& name, const std::string& uid, uint32_t threshold = kDefaultThreshold) {
    for (const Hit& hit : screen(named(name), threshold)) {
      if (hit.uid == uid) return hit;
    }
    return Hit();
  }

  bool alerts(const std::string& name, const std::string& uid) { return hit_for(name, uid).score >= kDefaultThreshold; }

  Screener screener_;
};

TEST_F(Matching, ExactNameScoresFull) {
  const Hit hit = hit_for("NARYSHKIN, Sergey Yevgenyevich", "p1");
  EXPECT_EQ(hit.score, 100u);
  EXPECT_EQ(hit.list_id, "test");
  EXPECT_EQ(hit.type, EntryType::individual);
  EXPECT_EQ(hit.matched_kind, NameKind::primary);
}

TEST_F(Matching, ReorderedTokens) { EXPECT_TRUE(alerts("Sergey Yevgenyevich Naryshkin", "p1")); }

TEST_F(Matching, MissingMiddleNameAndPatronymic) {
  EXPECT_TRUE(alerts("Nicolas Maduro", "p2"));
  EXPECT_TRUE(alerts("Sergey Naryshkin", "p1"));
  EXPECT_TRUE(alerts("Juan Esparragoza Moreno", "p7"));
}

TEST_F(Matching, VariantRomanisations) {
  EXPECT_TRUE(alerts("Sergei Evgenevich Naryshkin", "p1"));
  EXPECT_TRUE(alerts("Kirill Konstantinowitsch Schtscherbakow", "p4"));
  EXPECT_TRUE(alerts("Fahd Mohammed Abdulaziz Al Khashiban", "p8"));
}

TEST_F(Matching, CyrillicAndKazakhScript) {
  EXPECT_TRUE(alerts("Нарышкин Сергей Евгеньевич", "p1"));
  EXPECT_TRUE(alerts("Щербаков Кирилл", "p4"));
  EXPECT_TRUE(alerts("Абдрахманов Тимур Болатұлы", "p9"));
}

TEST_F(Matching, ArabicScript) { EXPECT_TRUE(alerts("سليمان جاسم أبوغيث", "p3")); }

TEST_F(Matching, Typos) {
  EXPECT_TRUE(alerts("Nicolas Madruo Moros", "p2"));
  EXPECT_TRUE(alerts("Juan Jose Esparragoza Moerno", "p7"));
  EXPECT_TRUE(alerts("Sergey Naryskhin", "p1"));
}

TEST_F(Matching, WeakAliasCountsButWeighsLess) {
  const Hit weak = hit_for("Maria Ofelia", "p6");
  EXPECT_GE(weak.score, kDefaultThreshold);
  EXPECT_EQ(weak.matched_kind, NameKind::weak_alias);
  EXPECT_EQ(weak.matched_name, "MARIA OFELIA");
  EXPECT_LT(weak.score, hit_for("Edilma Morales Loaiza", "p6").score);
}

TEST_F(Matching, HonorificsAndLegalFormsDoNotMatter) {
  EXPECT_EQ(hit_for("Mr. Nicolas Maduro Moros", "p2").score, 100u);
  EXPECT_EQ(hit_for("OOO Zvezda", "e1").score, 100u);
  EXPECT_EQ(hit_for("Public Joint Stock Company Zvezda", "e1").score, 100u);
  EXPECT_EQ(hit_for("Alpha Trade LLP", "e2").score, 100u);
}

TEST_F(Matching, DifferentPeopleDoNotAlert) {
  EXPECT_FALSE(alerts("Anna Kozlova", "p5"));    // another first name, the female surname
  EXPECT_FALSE(alerts("Ivan Petrov", "p5"));     // first name only
  EXPECT_FALSE(alerts("Sergey Morozov", "p1"));  // first name only
  EXPECT_FALSE(alerts("Timur Nurlanovich Abilov", "p9"));
  EXPECT_TRUE(screen(named("Aigerim Zhakupova")).empty());
}

TEST_F(Matching, ExplanationSaysWhichTokensMatchedAndHow) {
  const Hit hit = hit_for("Sergei Naryshkin Smith", "p1", 0);
  ASSERT_GT(hit.score, 0u);
  EXPECT_EQ(hit.matched_name, "NARYSHKIN, Sergey Yevgenyevich");
  EXPECT_EQ(hit.primary_name, "NARYSHKIN, Sergey Yevgenyevich");
  ASSERT_EQ(hit.tokens.size(), 2u);
  EXPECT_EQ(hit.tokens[0].query, "sergei");
  EXPECT_EQ(hit.tokens[0].listed, "sergey");
  EXPECT_EQ(hit.tokens[0].how, MatchHow::phonetic);
  EXPECT_EQ(hit.tokens[1].query, "naryshkin");
  EXPECT_EQ(hit.tokens[1].how, MatchHow::exact);
  EXPECT_EQ(hit.tokens[1].similarity, 100u);
  EXPECT_EQ(hit.unmatched_query, (std::vector<std::string>{"smith"}));
  EXPECT_EQ(hit.unmatched_listed, (std::vector<std::string>{"yevgenyevich"}));

  const Hit typo = hit_for("Juan Jose Esparragoza Moerno", "p7");
  bool found = false;
  for (const TokenMatch& match : typo.tokens) {
    if (match.query == "moerno") {
      found = true;
      EXPECT_EQ(match.listed, "moreno");
      EXPECT_EQ(match.how, MatchHow::typo);
      EXPECT_LT(match.similarity, 100u);
    }
  }
  EXPECT_TRUE(found);

  const Hit arabic = hit_for("سليمان جاسم أبوغيث", "p3");
  ASSERT_FALSE(arabic.tokens.empty());
  EXPECT_EQ(arabic.tokens[0].how, MatchHow::consonants);
  const Hit joined = hit_for("Sulaiman Jassem Aboghaith", "p3");
  bool join = false;
  for (const TokenMatch& match : joined.tokens) join = join || match.listed == "abo+ghaith";
  EXPECT_TRUE(join) << "one query word against two listed words is shown joined";
}

TEST_F(Matching, DateOfBirthAndCountryAreEvidence) {
  const uint32_t plain = hit_for("Sergey Naryshkin", "p1").score;
  std::vector<Hit> hits = screen(named("Sergey Naryshkin", "1954-10-27", "RU"), 0);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].uid, "p1");
  EXPECT_EQ(hits[0].score, std::min(100u, hits[0].name_score + 8));
  ASSERT_EQ(hits[0].evidence.size(), 2u);
  EXPECT_EQ(hits[0].evidence[0], "date of birth 1954-10-27 matches listed 1954-10-27 (+5)");
  EXPECT_EQ(hits[0].evidence[1], "country RU among listed RU (+3)");

  hits = screen(named("Sergey Naryshkin", "1990-01-01", "Kazakhstan"), 0);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].score, plain - 20);
  EXPECT_EQ(hits[0].evidence[0], "date of birth 1990-01-01 differs from listed 1954-10-27 (-15)");
  EXPECT_EQ(hits[0].evidence[1], "country KZ not among listed RU (-5)");

  hits = screen(named("Sergey Naryshkin", "1955"), 0);
  EXPECT_EQ(hits[0].evidence[0], "date of birth 1955 is within a year of listed 1954-10-27 (0)");
}

TEST_F(Matching, BadQueriesAreErrors) {
  std::vector<Hit> hits;
  const ScreenOptions options;
  EXPECT_EQ(screener_.screen(named("A B", "27.10.1954"), options, &hits).message(),
            "date of birth '27.10.1954' is not YYYY-MM-DD, YYYY-MM or YYYY");
  EXPECT_EQ(screener_.screen(named("A B", "", "Atlantis"), options, &hits).message(), "unknown country 'Atlantis'");
  EXPECT_EQ(screener_.screen(named(" ,.- "), options, &hits).message(), "the name has no letters or digits to screen");
}

TEST_F(Matching, RankedDeterministicallyWithTiesByUid) {
  const std::vector<Hit> first = screen(named("Petr Novak"), 0);
  ASSERT_GE(first.size(), 2u);
  EXPECT_EQ(first[0].uid, "d1");
  EXPECT_EQ(first[1].uid, "d2");
  EXPECT_EQ(first[0].score, first[1].score);
  for (int i = 0; i < 3; i++) {
    const std::vector<Hit> again = screen(named("Petr Novak"), 0);
    ASSERT_EQ(again.size(), first.size());
    for (size_t k = 0; k < again.size(); k++) {
      EXPECT_EQ(again[k].uid, first[k].uid);
      EXPECT_EQ(again[k].score, first[k].score);
    }
  }
  for (size_t k = 1; k < first.size(); k++) EXPECT_GE(first[k - 1].score, first[k].score);
}

TEST(Reload, ReplaceListReportsTheDiffAndRescreensOnlyChangedEntries) {
  Screener screener;
  ListDiff diff;
  ASSERT_TRUE(screener.replace_list(make_list(), &diff).is_ok());
  EXPECT_EQ(diff.added.size(), 13u);
  EXPECT_TRUE(diff.removed.empty() && diff.modified.empty());

  // Next version: p2 removed, p5 renamed, a new entry n1, everything else as before.
  std::string next = kList;
  next.erase(next.find("p2,"), next.find("p3,") - next.find("p2,"));
  next.replace(next.find("KOZLOV, Ivan Petrovich"), 22, "KOZLOV, Ivan Sergeevich");
  next += "n1,\"DERIPASKA, Oleg Vladimirovich\",individual,1968-01-02,RU,,,SDN\n";
  ASSERT_TRUE(screener.replace_list(make_list(next), &diff).is_ok());
  EXPECT_EQ(diff.list_id, "test");
  EXPECT_EQ(diff.added, (std::vector<std::string>{"n1"}));
  EXPECT_EQ(diff.removed, (std::vector<std::string>{"p2"}));
  EXPECT_EQ(diff.modified, (std::vector<std::string>{"p5"}));

  ScreenOptions options;
  std::vector<Hit> hits;
  ASSERT_TRUE(screener.screen(named("Nicolas Maduro"), options, &hits).is_ok());
  EXPECT_TRUE(hits.empty()) << "a removed entry is gone at once";

  // Rescreen a client against only the changed entries.
  std::vector<std::string> changed = diff.added;
  changed.insert(changed.end(), diff.modified.begin(), diff.modified.end());
  ASSERT_TRUE(screener.screen_entries(named("Oleg Deripaska"), "test", changed, options, &hits).is_ok());
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].uid, "n1");
  ASSERT_TRUE(screener.screen_entries(named("Sergey Naryshkin"), "test", changed, options, &hits).is_ok());
  EXPECT_TRUE(hits.empty()) << "p1 did not change, so it is not screened again";
  ASSERT_TRUE(screener.screen_entries(named("Sergey Naryshkin"), "test", {"p1", "nope"}, options, &hits).is_ok());
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].uid, "p1");
  EXPECT_FALSE(screener.screen_entries(named("x"), "other", {"p1"}, options, &hits).is_ok());

  // The same content again: no change.
  ASSERT_TRUE(screener.replace_list(make_list(next), &diff).is_ok());
  EXPECT_TRUE(diff.empty());

  ASSERT_TRUE(screener.remove_list("test", &diff).is_ok());
  EXPECT_EQ(diff.removed.size(), 13u);
  EXPECT_TRUE(screener.lists().empty());
  EXPECT_FALSE(screener.remove_list("test", &diff).is_ok());
}

TEST(Reload, ScreeningWhileReloadingSeesOneVersionOrTheOther) {
  Screener screener;
  ListDiff diff;
  ASSERT_TRUE(screener.replace_list(make_list(), &diff).is_ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    ScreenOptions options;
    std::vector<Hit> hits;
    while (!stop.load()) {
      if (!screener.screen(named("Sergey Naryshkin"), options, &hits).is_ok() || hits.size() != 1 ||
          hits[0].uid != "p1") {
        bad++;
      }
    }
  });
  for (int i = 0; i < 20; i++) ASSERT_TRUE(screener.replace_list(make_list(), &diff).is_ok());
  stop = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(Reload, DuplicateIdsAndUidsAreRefusedAndTheOldListsStay) {
  Screener screener;
  std::vector<SanctionsList> lists = {make_list(), make_list()};
  EXPECT_EQ(screener.load(lists).message(), "two lists are called test");
  SanctionsList twice = make_list();
  twice.entries.push_back(twice.entries[0]);
  ListDiff diff;
  EXPECT_EQ(screener.replace_list(twice, &diff).message(), "list test: uid p1 appears twice");
  EXPECT_TRUE(screener.lists().empty());
}

}  // namespace
}  // namespace qz::screening
