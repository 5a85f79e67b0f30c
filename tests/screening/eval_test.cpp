// The public screening evaluation (../shared/data/sanctions/eval_public.tsv): 307 labelled queries against the
// real lists. Recall (positives whose expected ofac_sdn_2021-07 uid is among the hits at the threshold) must be at
// least 0.98 and false alarms (negatives with any hit at the threshold) at most 2%. Skipped when ../shared is
// absent. Set QZ_EVAL_VERBOSE=1 to print every miss and false alarm with its best hits.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "screening/lists.h"
#include "screening/screener.h"

namespace qz::screening {
namespace {

std::string shared_dir() {
  const char* env = std::getenv("QZ_SHARED");
  return env != nullptr ? env : "../shared";
}

Query named(const std::string& name) {
  Query query;
  query.name = name;
  return query;
}

struct EvalRow {
  std::string id, query, expected, kind;
};

std::vector<EvalRow> read_eval(const std::string& path) {
  std::string text;
  std::vector<EvalRow> rows;
  if (!read_file(path, &text).is_ok()) return rows;
  size_t start = 0;
  bool header = true;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (header || line.empty()) {
      header = false;
      continue;
    }
    std::vector<std::string> cells;
    size_t cell_start = 0;
    while (true) {
      const size_t tab = line.find('\t', cell_start);
      cells.push_back(line.substr(cell_start, tab == std::string::npos ? std::string::npos : tab - cell_start));
      if (tab == std::string::npos) break;
      cell_start = tab + 1;
    }
    if (cells.size() >= 4) rows.push_back(EvalRow{cells[0], cells[1], cells[2], cells[3]});
  }
  return rows;
}

TEST(ScreeningEval, PublicSetMeetsRecallAndFalseAlarmBounds) {
  const std::string data = shared_dir() + "/data/sanctions";
  if (!std::filesystem::exists(data + "/eval_public.tsv")) GTEST_SKIP() << "no " << data << "/eval_public.tsv";
  std::vector<SanctionsList> lists;
  std::vector<std::string> skipped;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(load_directory(data, DirectoryOptions{}, &lists, &skipped).is_ok());
  Screener screener;
  ASSERT_TRUE(screener.load(std::move(lists)).is_ok());
  const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  const std::vector<EvalRow> rows = read_eval(data + "/eval_public.tsv");
  ASSERT_EQ(rows.size(), 307u);

  const bool verbose = std::getenv("QZ_EVAL_VERBOSE") != nullptr;
  size_t positives = 0, found = 0, negatives = 0, alarms = 0;
  ScreenOptions options;
  ScreenOptions wide;
  wide.threshold = 40;
  wide.max_hits = 3;
  for (const EvalRow& row : rows) {
    std::vector<Hit> hits;
    ASSERT_TRUE(screener.screen(named(row.query), options, &hits).is_ok()) << row.query;
    const bool negative = row.expected == "none";
    bool ok = false;
    if (negative) {
      negatives++;
      ok = hits.empty();
      alarms += ok ? 0 : 1;
    } else {
      positives++;
      for (const Hit& hit : hits) ok = ok || (hit.list_id == "ofac_sdn_2021-07" && hit.uid == row.expected);
      found += ok ? 1 : 0;
    }
    if (std::getenv("QZ_EVAL_SCORES") != nullptr) {
      ScreenOptions all;
      all.threshold = 30;
      all.max_hits = 1;
      std::vector<Hit> top;
      ASSERT_TRUE(screener.screen(named(row.query), all, &top).is_ok());
      uint32_t target = 0;
      if (!negative) {
        std::vector<Hit> mine;
        all.threshold = 0;
        ASSERT_TRUE(screener.screen_entries(named(row.query), "ofac_sdn_2021-07", {row.expected}, all, &mine).is_ok());
        target = mine.empty() ? 0 : mine[0].score;
      }
      std::printf("SCORE %s %s %u %u %s\n", row.kind.c_str(), row.id.c_str(), target, top.empty() ? 0 : top[0].score,
                  row.query.c_str());
    }
    if (verbose && !ok) {
      std::vector<Hit> near;
      ASSERT_TRUE(screener.screen(named(row.query), wide, &near).is_ok());
      std::printf("%s %s [%s] expected %s\n", negative ? "ALARM" : "MISS ", row.query.c_str(), row.kind.c_str(),
                  row.expected.c_str());
      for (const Hit& hit : near) {
        std::printf("    %3u %s:%s %s (%s)", hit.score, hit.list_id.c_str(), hit.uid.c_str(), hit.matched_name.c_str(),
                    name_kind_name(hit.matched_kind));
        for (const TokenMatch& m : hit.tokens) {
          std::printf(" %s~%s/%s/%u", m.query.c_str(), m.listed.c_str(), match_how_name(m.how), m.similarity);
        }
        std::printf("\n");
      }
      if (!negative) {
        std::vector<Hit> target;
        ScreenOptions all;
        all.threshold = 0;
        ASSERT_TRUE(
            screener.screen_entries(named(row.query), "ofac_sdn_2021-07", {row.expected}, all, &target).is_ok());
        for (const Hit& hit : target) {
          std::printf("    target %u %s (%s)", hit.score, hit.matched_name.c_str(), name_kind_name(hit.matched_kind));
          for (const TokenMatch& m : hit.tokens) {
            std::printf(" %s~%s/%s/%u", m.query.c_str(), m.listed.c_str(), match_how_name(m.how), m.similarity);
          }
          std::printf("\n");
        }
      }
    }
  }
  const double recall = static_cast<double>(found) / static_cast<double>(positives);
  const double false_alarms = static_cast<double>(alarms) / static_cast<double>(negatives);
  std::printf(
      "screening eval: threshold %u, recall %.4f (%zu/%zu), false alarms %.4f (%zu/%zu), lists loaded in %.0f ms\n",
      options.threshold, recall, found, positives, false_alarms, alarms, negatives, load_ms);
  EXPECT_GE(recall, 0.98);
  EXPECT_LE(false_alarms, 0.02);
}

}  // namespace
}  // namespace qz::screening
