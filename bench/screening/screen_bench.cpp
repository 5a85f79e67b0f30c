#include "bench/screening/screen_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/prng.h"
#include "screening/lists.h"
#include "screening/screener.h"

namespace qz::bench {

namespace {

using screening::Hit;
using screening::ListEntry;
using screening::Query;
using screening::SanctionsList;
using screening::ScreenOptions;
using Clock = std::chrono::steady_clock;

struct WorkItem {
  std::string name;
  std::string list_id;  // the entry a variant comes from ("" for eval rows and synthetic names)
  std::string uid;
  bool synthetic_negative = false;
};

std::string with_commas(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::vector<std::string> words_of(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : name) {
    if (c == ' ' || c == ',') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out.push_back(' ');
    out += word;
  }
  return out;
}

bool plain_letters(const std::string& word) {
  if (word.size() < 2) return false;
  return std::all_of(word.begin(), word.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

// One edit inside the longest word (never its first letter): substitute, delete, insert or transpose.
void add_typo(std::vector<std::string>* words, Prng* prng) {
  size_t longest = 0;
  for (size_t i = 1; i < words->size(); i++) {
    if ((*words)[i].size() > (*words)[longest].size()) longest = i;
  }
  std::string& word = (*words)[longest];
  if (word.size() < 5) return;
  const size_t at = 1 + prng->below(word.size() - 2);
  const char letter = static_cast<char>('a' + prng->below(26));
  switch (prng->below(4)) {
    case 0: word[at] = letter; break;
    case 1: word.erase(at, 1); break;
    case 2: word.insert(word.begin() + static_cast<std::ptrdiff_t>(at), letter); break;
    default: std::swap(word[at], word[at + 1]); break;
  }
}

// A different romanisation of one word, when one of these spellings occurs in it.
bool add_variant(std::vector<std::string>* words, Prng* prng) {
  static constexpr std::pair<const char*, const char*> kSwaps[] = {
      {"ov", "ow"}, {"ev", "ew"}, {"kh", "h"},   {"iy", "y"},   {"yi", "ii"}, {"ii", "iy"}, {"ou", "u"},
      {"u", "ou"},  {"j", "dzh"}, {"sh", "sch"}, {"ch", "tch"}, {"ee", "i"},  {"ei", "ey"}, {"mm", "m"},
      {"ya", "ia"}, {"yu", "iu"}, {"ai", "ay"},  {"ph", "f"},   {"q", "k"},   {"ss", "s"}};
  const size_t start = prng->below(std::size(kSwaps));
  for (size_t k = 0; k < std::size(kSwaps); k++) {
    const auto& [from, to] = kSwaps[(start + k) % std::size(kSwaps)];
    for (std::string& word : *words) {
      std::string lower = word;
      for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      const size_t found = lower.find(from);
      if (found == std::string::npos || found == 0) continue;
      word = lower.substr(0, found) + to + lower.substr(found + std::string(from).size());
      return true;
    }
  }
  return false;
}

// Variants of individuals' primary names from every list.
std::vector<WorkItem> make_variants(const std::vector<SanctionsList>& lists, size_t count, Prng* prng) {
  std::vector<std::pair<const SanctionsList*, const ListEntry*>> pool;
  for (const SanctionsList& list : lists) {
    for (const ListEntry& entry : list.entries) {
      if (entry.type != screening::EntryType::individual || entry.names.empty() ||
          entry.names[0].kind != screening::NameKind::primary) {
        continue;
      }
      const std::vector<std::string> words = words_of(entry.names[0].text);
      if (words.size() >= 2 && std::all_of(words.begin(), words.end(), plain_letters)) pool.emplace_back(&list, &entry);
    }
  }
  std::vector<WorkItem> items;
  if (pool.empty()) return items;
  for (size_t i = 0; i < count; i++) {
    const auto [list, entry] = pool[prng->below(pool.size())];
    std::vector<std::string> words = words_of(entry->names[0].text);
    switch (i % 4) {
      case 0: std::rotate(words.begin(), words.begin() + 1, words.end()); break;
      case 1:
        if (words.size() >= 3) {
          words.erase(words.begin() + 1 + static_cast<std::ptrdiff_t>(prng->below(words.size() - 2)));
        } else {
          std::rotate(words.begin(), words.begin() + 1, words.end());
        }
        break;
      case 2: add_typo(&words, prng); break;
      default:
        if (!add_variant(&words, prng)) add_typo(&words, prng);
        break;
    }
    items.push_back(WorkItem{.name = join(words), .list_id = list->id, .uid = entry->uid});
  }
  return items;
}

// Common Kazakh and Russian names, combined at random.
std::vector<WorkItem> make_negatives(size_t count, Prng* prng) {
  static constexpr const char* kMale[] = {"Arman",     "Yerlan",  "Nurlan", "Daniyar", "Askar",  "Berik",  "Timur",
                                          "Bauyrzhan", "Sanzhar", "Yernar", "Azamat",  "Dauren", "Ruslan", "Marat",
                                          "Kairat",    "Ivan",    "Dmitry", "Andrey",  "Sergey", "Pavel",  "Maxim",
                                          "Kirill",    "Roman",   "Oleg",   "Nikolay", "Artyom", "Yegor"};
  static constexpr const char* kFemale[] = {"Aigerim", "Aruzhan",  "Dana",    "Dinara",  "Gulnara", "Zhanna",
                                            "Madina",  "Saule",    "Asel",    "Aliya",   "Kamila",  "Anna",
                                            "Olga",    "Elena",    "Tatyana", "Natalya", "Yulia",   "Marina",
                                            "Irina",   "Svetlana", "Ksenia",  "Polina",  "Darya"};
  static constexpr const char* kSurnames[] = {
      "Abenov",      "Zhakupov",  "Nurpeisov",  "Sarsenbayev", "Tulegenov",  "Kenzhebekov", "Mukhametzhanov",
      "Baimukhanov", "Omarov",    "Seitkali",   "Yessenov",    "Temirbekov", "Utepov",      "Zhunusov",
      "Smirnov",     "Kuznetsov", "Vinogradov", "Sokolov",     "Lebedev",    "Morozov",     "Novikov",
      "Fedorov",     "Belyaev",   "Zaitsev",    "Pavlov",      "Semenov",    "Golubev",     "Bogdanov"};
  static constexpr const char* kFathers[] = {"Nurlan", "Askar",  "Marat",   "Serik",     "Bolat", "Kairat",
                                             "Ivan",   "Sergey", "Nikolay", "Aleksandr", "Pavel", "Viktor"};
  std::vector<WorkItem> items;
  for (size_t i = 0; i < count; i++) {
    const bool female = prng->below(2) == 0;
    std::string first = female ? kFemale[prng->below(std::size(kFemale))] : kMale[prng->below(std::size(kMale))];
    std::string last = kSurnames[prng->below(std::size(kSurnames))];
    if (female && last.back() != 'i') last += "a";
    std::string name;
    switch (prng->below(3)) {
      case 0: name = first + " " + last; break;
      case 1: {
        std::string father = kFathers[prng->below(std::size(kFathers))];
        if (father.back() == 'y') father.pop_back();
        name = first + " " + father + (female ? "ovna " : "ovich ") + last;
        break;
      }
      default: name = last + " " + first; break;
    }
    items.push_back(WorkItem{.name = name, .list_id = "", .uid = "", .synthetic_negative = true});
  }
  return items;
}

// Scale: `count` individuals named "given names of one listed individual + surname of another", each with the
// reversed order as an alias.
SanctionsList make_synthetic_list(const std::vector<SanctionsList>& lists, size_t count, Prng* prng) {
  SanctionsList synthetic;
  synthetic.id = "synthetic_scale";
  synthetic.format = "synthetic";
  synthetic.source = "bench: recombined names";
  std::vector<std::vector<std::string>> names;
  for (const SanctionsList& list : lists) {
    for (const ListEntry& entry : list.entries) {
      if (entry.type != screening::EntryType::individual || entry.names.empty()) continue;
      std::vector<std::string> words = words_of(entry.names[0].text);
      if (words.size() >= 2 && std::all_of(words.begin(), words.end(), plain_letters))
        names.push_back(std::move(words));
    }
  }
  if (names.empty()) return synthetic;
  for (size_t i = 0; i < count; i++) {
    const std::vector<std::string>& a = names[prng->below(names.size())];
    const std::vector<std::string>& b = names[prng->below(names.size())];
    std::vector<std::string> words = {b[0]};
    words.insert(words.end(), a.begin() + 1, a.end());
    ListEntry entry;
    entry.uid = std::to_string(i + 1);
    entry.uid.insert(entry.uid.begin(), 'S');  // not "S" + ...: g++ 12 -Wrestrict misfires on it at -O3
    entry.names.push_back(screening::EntryName{.text = join(words), .kind = screening::NameKind::primary});
    std::rotate(words.begin(), words.begin() + 1, words.end());
    entry.names.push_back(screening::EntryName{.text = join(words), .kind = screening::NameKind::alias});
    synthetic.entries.push_back(std::move(entry));
  }
  return synthetic;
}

std::vector<WorkItem> eval_queries(const std::string& path) {
  std::vector<WorkItem> items;
  std::string text;
  if (!screening::read_file(path, &text).is_ok()) return items;
  size_t start = text.find('\n');
  while (start != std::string::npos && start + 1 < text.size()) {
    const size_t end = text.find('\n', start + 1);
    const std::string line = text.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    start = end;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const size_t tab2 = line.find('\t', tab + 1);
    WorkItem item;
    item.name = line.substr(tab + 1, tab2 == std::string::npos ? std::string::npos : tab2 - tab - 1);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

int run_screen_bench(const ScreenBenchOptions& options) {
  const Clock::time_point load_start = Clock::now();
  std::vector<SanctionsList> lists;
  screening::DirectoryOptions directory;
  directory.alias_only_partial = options.scaled;
  std::vector<std::string> skipped;
  const Status loaded = screening::load_directory(options.lists_dir, directory, &lists, &skipped);
  if (!loaded.is_ok()) {
    std::fprintf(stderr, "bench screen: %s\n", loaded.message().c_str());
    return 2;
  }
  const double parse_ms = ms_since(load_start);
  Prng prng(options.seed);
  if (options.scaled && options.synthetic > 0) lists.push_back(make_synthetic_list(lists, options.synthetic, &prng));
  const Clock::time_point index_start = Clock::now();
  screening::Screener screener;
  const Status indexed = screener.load(lists);
  if (!indexed.is_ok()) {
    std::fprintf(stderr, "bench screen: %s\n", indexed.message().c_str());
    return 2;
  }
  const double index_ms = ms_since(index_start);

  std::printf("screening benchmark (%s)\n",
              options.scaled ? "scaled: alias-only folders and a synthetic list loaded too" : "lists as published");
  for (const screening::ListSummary& list : screener.lists()) {
    std::printf("  list %-28s %-16s %7s entries %7s names (%s aliases, %s weak)\n", list.id.c_str(),
                list.format.c_str(), with_commas(list.counts.entries).c_str(), with_commas(list.counts.names).c_str(),
                with_commas(list.counts.aliases).c_str(), with_commas(list.counts.weak_aliases).c_str());
  }
  for (const std::string& note : skipped) std::printf("  skipped %s\n", note.c_str());
  const screening::IndexStats stats = screener.stats();
  std::printf("  corpus: %s entries, %s names, %s distinct tokens (+%s joined pairs)\n",
              with_commas(stats.entries).c_str(), with_commas(stats.names).c_str(),
              with_commas(stats.distinct_tokens).c_str(), with_commas(stats.joined_tokens).c_str());
  std::printf("  load: %.0f ms (parse %.0f ms, index %.0f ms)%s\n", parse_ms + index_ms, parse_ms, index_ms,
              options.scaled ? "; the synthetic list is made between the two, untimed" : "");

  std::vector<WorkItem> work = eval_queries(options.lists_dir + "/eval_public.tsv");
  const size_t eval_count = work.size();
  std::vector<WorkItem> variants = make_variants(lists, options.variants, &prng);
  std::vector<WorkItem> negatives = make_negatives(options.negatives, &prng);
  const size_t variant_count = variants.size();
  work.insert(work.end(), variants.begin(), variants.end());
  work.insert(work.end(), negatives.begin(), negatives.end());
  if (work.empty()) {
    std::fprintf(stderr, "bench screen: no workload\n");
    return 2;
  }
  // A fixed shuffle so that kinds interleave.
  for (size_t i = work.size() - 1; i > 0; i--) std::swap(work[i], work[prng.below(i + 1)]);

  ScreenOptions screen_options;
  if (options.threshold != 0) screen_options.threshold = options.threshold;
  std::printf(
      "  workload: %s queries (%s from eval_public.tsv, %s variants of listed names, %s synthetic names), "
      "seed %llu, threshold %u\n",
      with_commas(work.size()).c_str(), with_commas(eval_count).c_str(), with_commas(variant_count).c_str(),
      with_commas(negatives.size()).c_str(), static_cast<unsigned long long>(options.seed), screen_options.threshold);

  // One untimed pass: accuracy on the variants and synthetic names, and warm caches.
  size_t variants_found = 0;
  size_t negative_alarms = 0;
  const bool verbose = std::getenv("QZ_BENCH_VERBOSE") != nullptr;  // prints the misses and alarms
  std::vector<Hit> hits;
  for (const WorkItem& item : work) {
    Query query;
    query.name = item.name;
    if (!screener.screen(query, screen_options, &hits).is_ok()) continue;
    if (item.synthetic_negative && !hits.empty()) {
      negative_alarms++;
      if (verbose) {
        std::printf("    alarm: %s -> %u %s:%s %s\n", item.name.c_str(), hits[0].score, hits[0].list_id.c_str(),
                    hits[0].uid.c_str(), hits[0].matched_name.c_str());
      }
    }
    if (!item.uid.empty()) {
      const bool found = std::any_of(
          hits.begin(), hits.end(), [&](const Hit& hit) { return hit.list_id == item.list_id && hit.uid == item.uid; });
      variants_found += found ? 1 : 0;
      if (verbose && !found)
        std::printf("    miss: %s (%s:%s)\n", item.name.c_str(), item.list_id.c_str(), item.uid.c_str());
    }
  }

  std::vector<uint32_t> latency_ns;
  latency_ns.reserve(options.screenings);
  uint64_t with_hits = 0;
  uint64_t checksum = 0;
  const Clock::time_point run_start = Clock::now();
  for (uint64_t i = 0; i < options.screenings; i++) {
    const WorkItem& item = work[i % work.size()];
    Query query;
    query.name = item.name;
    const Clock::time_point started = Clock::now();
    const Status status = screener.screen(query, screen_options, &hits);
    latency_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count(), UINT32_MAX)));
    if (!status.is_ok()) continue;
    if (!hits.empty()) {
      with_hits++;
      checksum = checksum * 1000003u + hits[0].score + std::hash<std::string>()(hits[0].uid) % 1000u;
    }
  }
  const double run_s = std::chrono::duration<double>(Clock::now() - run_start).count();
  std::sort(latency_ns.begin(), latency_ns.end());
  const auto percentile = [&](double p) {
    return latency_ns.empty()
               ? 0.0
               : latency_ns[static_cast<size_t>(p * static_cast<double>(latency_ns.size() - 1))] / 1000.0;
  };
  std::printf("  screenings: %s on one thread in %.2f s: %s screenings/s\n", with_commas(options.screenings).c_str(),
              run_s, with_commas(static_cast<uint64_t>(static_cast<double>(options.screenings) / run_s)).c_str());
  std::printf("  latency: p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n", percentile(0.5),
              percentile(0.9), percentile(0.99), percentile(0.999), percentile(1.0));
  std::printf("  hits: %s screenings with a hit at the threshold (checksum %016llx)\n", with_commas(with_hits).c_str(),
              static_cast<unsigned long long>(checksum));
  if (variant_count > 0) {
    std::printf(
        "  accuracy check: %s of %s variants found their entry (%.1f%%); %s of %s synthetic names raised a "
        "hit (%.1f%%)\n",
        with_commas(variants_found).c_str(), with_commas(variant_count).c_str(),
        100.0 * static_cast<double>(variants_found) / static_cast<double>(variant_count),
        with_commas(negative_alarms).c_str(), with_commas(negatives.size()).c_str(),
        negatives.empty() ? 0.0 : 100.0 * static_cast<double>(negative_alarms) / static_cast<double>(negatives.size()));
  }
  return 0;
}

}  // namespace qz::bench
