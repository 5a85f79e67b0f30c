// `qazna screen NAME`: screens one name against the sanctions and PEP lists of a directory and prints the ranked
// hits with their scores and reasons (docs/cli.md, docs/screening.md).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "app/app.h"
#include "json/writer.h"
#include "screening/lists.h"
#include "screening/screener.h"

namespace qz::app {

namespace {

std::string resolve_lists_dir(const std::string& explicit_dir, std::string* tried) {
  if (!explicit_dir.empty()) return explicit_dir;
  std::error_code error;
  const std::string repo_relative = QZ_DEFAULT_LISTS_DIR;  // ../shared/data/sanctions beside the source tree
  if (std::filesystem::is_directory(repo_relative, error)) return repo_relative;
  const std::string cwd_relative = "../shared/data/sanctions";
  if (std::filesystem::is_directory(cwd_relative, error)) return cwd_relative;
  *tried = repo_relative + " or " + cwd_relative;
  return "";
}

void print_text(const ScreenArgs& args, const std::vector<screening::ListSummary>& lists, double load_ms,
                uint32_t threshold, const std::vector<screening::Hit>& hits) {
  size_t entries = 0;
  size_t names = 0;
  for (const screening::ListSummary& list : lists) {
    entries += list.counts.entries;
    names += list.counts.names;
  }
  std::printf("screened \"%s\"", args.name.c_str());
  if (!args.dob.empty()) std::printf(" born %s", args.dob.c_str());
  if (!args.country.empty()) std::printf(" country %s", args.country.c_str());
  std::printf(" against %zu lists (%zu entries, %zu names; loaded in %.0f ms); threshold %u\n", lists.size(), entries,
              names, load_ms, threshold);
  if (hits.empty()) {
    std::printf("no hits at or above %u\n", threshold);
    return;
  }
  for (size_t i = 0; i < hits.size(); i++) {
    const screening::Hit& hit = hits[i];
    std::printf("%zu. score %u  %s %s  %s  %s\n", i + 1, hit.score, hit.list_id.c_str(), hit.uid.c_str(),
                screening::entry_type_name(hit.type),
                hit.primary_name.empty() ? hit.matched_name.c_str() : hit.primary_name.c_str());
    std::printf("   matched %s \"%s\" (name score %u)\n", screening::name_kind_name(hit.matched_kind),
                hit.matched_name.c_str(), hit.name_score);
    std::string pairs;
    for (const screening::TokenMatch& match : hit.tokens) {
      if (!pairs.empty()) pairs += ", ";
      pairs += match.query + (match.how == screening::MatchHow::exact ? " = " : " ~ ") + match.listed + " (" +
               screening::match_how_name(match.how) + " " + std::to_string(match.similarity) + ")";
    }
    std::printf("   tokens: %s\n", pairs.c_str());
    const auto list_of = [](const std::vector<std::string>& words) {
      std::string out;
      for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
      return out;
    };
    if (!hit.unmatched_query.empty())
      std::printf("   query tokens not matched: %s\n", list_of(hit.unmatched_query).c_str());
    if (!hit.unmatched_listed.empty())
      std::printf("   listed tokens not matched: %s\n", list_of(hit.unmatched_listed).c_str());
    for (const std::string& note : hit.evidence) std::printf("   %s\n", note.c_str());
  }
}

void print_json(const ScreenArgs& args, const std::vector<screening::ListSummary>& lists, uint32_t threshold,
                const std::vector<screening::Hit>& hits) {
  json::Writer json;
  json.begin_object();
  json.key("query").begin_object().field("name", args.name).field("dob", args.dob).field("country", args.country);
  json.end_object();
  json.field("threshold", threshold);
  json.key("lists").begin_array();
  for (const screening::ListSummary& list : lists) {
    json.begin_object()
        .field("id", list.id)
        .field("format", list.format)
        .field("entries", static_cast<uint64_t>(list.counts.entries))
        .field("names", static_cast<uint64_t>(list.counts.names))
        .field("aliases", static_cast<uint64_t>(list.counts.aliases))
        .field("weak_aliases", static_cast<uint64_t>(list.counts.weak_aliases))
        .end_object();
  }
  json.end_array();
  json.key("hits").begin_array();
  for (const screening::Hit& hit : hits) {
    json.begin_object()
        .field("list", hit.list_id)
        .field("uid", hit.uid)
        .field("type", screening::entry_type_name(hit.type))
        .field("score", hit.score)
        .field("name_score", hit.name_score)
        .field("primary_name", hit.primary_name)
        .field("matched_name", hit.matched_name)
        .field("matched_kind", screening::name_kind_name(hit.matched_kind));
    json.key("tokens").begin_array();
    for (const screening::TokenMatch& match : hit.tokens) {
      json.begin_object()
          .field("query", match.query)
          .field("listed", match.listed)
          .field("how", screening::match_how_name(match.how))
          .field("similarity", match.similarity)
          .end_object();
    }
    json.end_array();
    json.key("unmatched_query").begin_array();
    for (const std::string& word : hit.unmatched_query) json.value(word);
    json.end_array();
    json.key("unmatched_listed").begin_array();
    for (const std::string& word : hit.unmatched_listed) json.value(word);
    json.end_array();
    json.key("evidence").begin_array();
    for (const std::string& note : hit.evidence) json.value(note);
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
  std::printf("%s\n", json.text().c_str());
}

}  // namespace

int run_screen(const ScreenArgs& args) {
  std::string tried;
  const std::string dir = resolve_lists_dir(args.lists_dir, &tried);
  if (dir.empty()) {
    std::fprintf(stderr, "qazna screen: no lists directory: %s does not exist (pass --lists DIR)\n", tried.c_str());
    return kExitFailure;
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<screening::SanctionsList> lists;
  const Status loaded = screening::load_directory(dir, screening::DirectoryOptions{}, &lists);
  if (!loaded.is_ok()) {
    std::fprintf(stderr, "qazna screen: %s\n", loaded.message().c_str());
    return kExitFailure;
  }
  if (lists.empty()) {
    std::fprintf(stderr, "qazna screen: no lists in %s\n", dir.c_str());
    return kExitFailure;
  }
  screening::Screener screener;
  const Status indexed = screener.load(std::move(lists));
  if (!indexed.is_ok()) {
    std::fprintf(stderr, "qazna screen: %s\n", indexed.message().c_str());
    return kExitFailure;
  }
  const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  screening::Query query;
  query.name = args.name;
  query.dob = args.dob;
  query.country = args.country;
  screening::ScreenOptions options;
  if (args.threshold >= 0) options.threshold = static_cast<uint32_t>(args.threshold);
  options.max_hits = args.limit;
  std::vector<screening::Hit> hits;
  const Status screened = screener.screen(query, options, &hits);
  if (!screened.is_ok()) {
    std::fprintf(stderr, "qazna screen: %s\n", screened.message().c_str());
    return kExitUsage;
  }
  if (args.json) {
    print_json(args, screener.lists(), options.threshold, hits);
  } else {
    print_text(args, screener.lists(), load_ms, options.threshold, hits);
  }
  return kExitOk;
}

}  // namespace qz::app
