#include "screening/normalize.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <array>
#include <exception>
#include <memory>
#include <mutex>

namespace qz::screening {

namespace {

// ---- transliteration ----

// Our rules run before ICU's Any-Latin: Cyrillic as passports and the press write it (ICU's default is ISO 9
// with diacritics, which Latin-ASCII then turns into c, s, z), and Arabic-script letters as consonants the way
// the lists spell them. Longer source strings come first (ICU rejects a rule masked by an earlier one).
constexpr const char* kRules = R"(
:: NFKC ;
:: Lower ;
# Russian, Ukrainian, Belarusian and Kazakh Cyrillic.
щ > shch ; ш > sh ; ч > ch ; ж > zh ; х > kh ; ц > ts ; ю > yu ; я > ya ; ё > e ; э > e ; й > y ; ы > y ;
ъ > ; ь > ; а > a ; б > b ; в > v ; г > g ; д > d ; е > e ; з > z ; и > i ; к > k ; л > l ; м > m ; н > n ;
о > o ; п > p ; р > r ; с > s ; т > t ; у > u ; ф > f ;
ә > a ; ғ > g ; қ > k ; ң > n ; ө > o ; ұ > u ; ү > u ; һ > h ; і > i ; є > ye ; ї > yi ; ґ > g ; ў > u ;
# Arabic, Persian and Urdu letters. Whole words first: Abdullah, Abd al-, Abd, Abu, Allah.
عبدالله > abdallah ; عبدال > 'abd al' ; عبد > 'abd ' ; أبو > 'abu ' ; ابو > 'abu ' ; الله > allah ;
ث > th ; خ > kh ; ذ > dh ; ش > sh ; غ > gh ; چ > ch ; ژ > zh ;
ا > a ; أ > a ; إ > i ; آ > a ; ٱ > a ; ى > a ; ة > a ; ۀ > a ; ء > ; ؤ > w ; ئ > y ; ع > a ;
ب > b ; ت > t ; ج > j ; ح > h ; د > d ; ر > r ; ز > z ; س > s ; ص > s ; ض > d ; ط > t ; ظ > z ; ف > f ;
ق > q ; ك > k ; ک > k ; ل > l ; م > m ; ن > n ; ه > h ; ہ > h ; ھ > h ; و > w ; ي > y ; ی > y ; ے > e ;
پ > p ; گ > g ; ٹ > t ; ڈ > d ; ڑ > r ; ں > n ;
َ > a ; ِ > i ; ُ > u ; ً > ; ٌ > ; ٍ > ; ّ > ; ْ > ; ـ > ;
:: Any-Latin ;
:: Latin-ASCII ;
:: Lower ;
)";

class Transliterator {
 public:
  Transliterator() {
    UErrorCode error = U_ZERO_ERROR;
    UParseError parse_error;
    transliterator_.reset(icu::Transliterator::createFromRules("qazna-screening", icu::UnicodeString::fromUTF8(kRules),
                                                               UTRANS_FORWARD, parse_error, error));
    if (U_FAILURE(error) || transliterator_ == nullptr) {
      status_ = Status::error(std::string("ICU cannot build the screening transliterator: ") + u_errorName(error) +
                              " at rule line " + std::to_string(parse_error.line) + " offset " +
                              std::to_string(parse_error.offset));
      transliterator_.reset();
    }
  }

  Status run(std::string_view utf8, std::string* out) {
    if (!status_.is_ok()) return status_;
    icu::UnicodeString text = icu::UnicodeString::fromUTF8(
        icu::StringPiece(utf8.data(), static_cast<int32_t>(std::min<size_t>(utf8.size(), INT32_MAX))));
    {
      // ICU transliterators are not to be shared between threads without a lock.
      std::lock_guard<std::mutex> lock(mutex_);
      transliterator_->transliterate(text);
    }
    out->clear();
    text.toUTF8String(*out);
    return Status::ok();
  }

 private:
  std::unique_ptr<icu::Transliterator> transliterator_;
  Status status_ = Status::ok();
  std::mutex mutex_;
};

Transliterator& transliterator() {
  static Transliterator instance;
  return instance;
}

// ---- word lists ----

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }
bool is_letter(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum(char c) { return is_letter(c) || (c >= '0' && c <= '9'); }

template <size_t N>
bool in(const std::string_view (&words)[N], std::string_view word) {
  return std::find(std::begin(words), std::end(words), word) != std::end(words);
}

// Honorifics and titles (individuals) and legal forms (organisations): dropped.
constexpr std::string_view kHonorifics[] = {
    "mr",     "mrs",     "ms",      "miss",   "mme",    "mlle",    "dr",     "doctor", "prof",   "professor",
    "sir",    "sheikh",  "shaykh",  "sheik",  "shaikh", "cheikh",  "shaik",  "haji",   "hajji",  "hadji",
    "hajj",   "haj",     "alhaj",   "alhaji", "alhajj", "alhajji", "mullah", "mulla",  "mollah", "maulana",
    "maulvi", "maulavi", "mawlawi", "moulvi", "qari",   "ustadz",  "ustad",  "ustaz",  "hon",    "the"};
constexpr std::string_view kLegalForms[] = {
    "llc",  "ooo",     "too", "ao",           "zao",  "oao",         "pao", "pjsc",    "ojsc", "cjsc", "jsc",
    "ltd",  "limited", "inc", "incorporated", "corp", "corporation", "co",  "company", "gmbh", "mbh",  "ag",
    "kg",   "sa",      "sas", "sarl",         "srl",  "spa",         "sl",  "slu",     "bv",   "nv",   "plc",
    "llp",  "lp",      "fze", "fzco",         "fzc",  "fzllc",       "fzd", "pte",     "pvt",  "pty",  "bhd",
    "ltda", "cv",      "sab", "kft",          "zrt",  "sro",         "doo", "tov",     "ab",   "oy"};
constexpr std::string_view kParticles[] = {
    "al",  "el",  "ul",   "ol",    "ad",   "ar",   "as",   "ash", "at",  "az",    "ud",   "ur",  "us",   "bin",
    "ibn", "ben", "bint", "binti", "ibnu", "ould", "wuld", "de",  "del", "della", "dela", "der", "den",  "di",
    "da",  "dos", "das",  "do",    "du",   "la",   "le",   "los", "las", "van",   "von",  "y",   "ogly", "kyzy"};
constexpr std::string_view kMoreParticles[] = {"ogli", "oglu", "uly", "ulu", "kizi", "qizi"};

// Multi-word legal forms, longest first where one is the start of another.
constexpr std::array<std::array<std::string_view, 4>, 27> kLegalPhrases = {{
    {"public", "joint", "stock", "company"},
    {"open", "joint", "stock", "company"},
    {"closed", "joint", "stock", "company"},
    {"obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"},
    {"obshchestvo", "s", "ogranichennoi", "otvetstvennostiu"},
    {"tovarishchestvo", "s", "ogranichennoy", "otvetstvennostyu"},
    {"joint", "stock", "company", ""},
    {"limited", "liability", "company", ""},
    {"limited", "liability", "partnership", ""},
    {"public", "limited", "company", ""},
    {"zakrytoe", "aktsionernoe", "obshchestvo", ""},
    {"otkrytoe", "aktsionernoe", "obshchestvo", ""},
    {"publichnoe", "aktsionernoe", "obshchestvo", ""},
    {"sa", "de", "cv", ""},
    {"private", "limited", "", ""},
    {"aktsionernoe", "obshchestvo", "", ""},
    {"aktsionernoye", "obshchestvo", "", ""},
    {"sociedad", "anonima", "", ""},
    {"de", "cv", "", ""},
    {"sdn", "bhd", "", ""},
    {"ltd", "sti", "", ""},
    {"limited", "sirketi", "", ""},
    {"anonim", "sirketi", "", ""},
    {"societe", "anonyme", "", ""},
    {"joint", "venture", "", ""},
    {"pte", "ltd", "", ""},
    {"pvt", "ltd", "", ""},
}};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_patronymic(std::string_view token) {
  if (token.size() < 7) return false;
  for (std::string_view suffix : {"ovich", "evich", "ovitch", "evitch", "owitsch", "ewitsch", "ovych", "evych", "ovna",
                                  "evna", "ivna", "ichna", "kyzy", "qizi", "ogly", "ogli", "uly"}) {
    if (ends_with(token, suffix)) return true;
  }
  return false;
}

// "abdul"/"abdel"/... as a word: "abd".
constexpr std::string_view kAbdForms[] = {"abdul", "abdel", "abdal", "abdol", "abdoul",
                                          "abdou", "abdu",  "abdur", "abdus", "abdun"};
// Abdullah's spellings: one token "abdallah".
constexpr std::string_view kAbdallahForms[] = {"abdullah", "abdulla",  "abdallah",  "abdalla",  "abdellah",
                                               "abdella",  "abdollah", "abdoullah", "abdoulla", "abdulah"};
constexpr std::string_view kAbdGluedPrefixes[] = {"abdoul", "abdul", "abdel", "abdal", "abdol", "abdur", "abdus"};

void push_token(std::string text, std::vector<NameToken>* tokens) {
  tokens->push_back(NameToken{.text = std::move(text), .role = TokenRole::word});
}

// Splits raw lower-case ASCII into tokens: apostrophes vanish, dotted initials join, other punctuation splits.
std::vector<std::string> raw_tokens(std::string_view latin) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < latin.size()) {
    while (i < latin.size() && (latin[i] == ' ' || latin[i] == '\t' || latin[i] == '\n' || latin[i] == '\r')) i++;
    const size_t start = i;
    while (i < latin.size() && latin[i] != ' ' && latin[i] != '\t' && latin[i] != '\n' && latin[i] != '\r') i++;
    std::string chunk;
    for (size_t k = start; k < i; k++) {
      char c = latin[k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c == '\'' || c == '`') continue;
      chunk.push_back(c);
    }
    if (chunk.empty()) continue;
    // "s.a." / "m.r.o." / "s.": single letters between dots join into one token.
    bool dotted = chunk.size() >= 2;
    for (size_t k = 0; k < chunk.size() && dotted; k++) {
      dotted = k % 2 == 0 ? is_letter(chunk[k]) : chunk[k] == '.';
    }
    if (dotted) {
      std::string joined;
      for (char c : chunk) {
        if (c != '.') joined.push_back(c);
      }
      out.push_back(joined);
      continue;
    }
    std::string token;
    for (char c : chunk) {
      if (is_alnum(c)) {
        token.push_back(c);
      } else if (!token.empty()) {
        out.push_back(token);
        token.clear();
      }
    }
    if (!token.empty()) out.push_back(token);
  }
  return out;
}

}  // namespace

bool has_arabic_script(std::string_view utf8) {
  // U+0600-U+06FF, U+0750-U+077F, U+08A0-U+08FF (lead bytes D8-DB, DD, E0 A2/A3), presentation forms
  // U+FB50-U+FDFF and U+FE70-U+FEFF (EF AD-B7, EF B9-BB).
  for (size_t i = 0; i + 1 < utf8.size(); i++) {
    const auto b0 = static_cast<unsigned char>(utf8[i]);
    const auto b1 = static_cast<unsigned char>(utf8[i + 1]);
    if (b0 >= 0xD8 && b0 <= 0xDB) return true;
    if (b0 == 0xDD && b1 >= 0x90 && b1 <= 0xBF) return true;
    if (b0 == 0xE0 && (b1 == 0xA2 || b1 == 0xA3)) return true;
    if (b0 == 0xEF && ((b1 >= 0xAD && b1 <= 0xB7) || (b1 >= 0xB9 && b1 <= 0xBB))) return true;
  }
  return false;
}

Status to_latin(std::string_view utf8, std::string* out) {
  try {
    const bool ascii =
        std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      out->assign(utf8);
      for (char& c : *out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return Status::ok();
    }
    return transliterator().run(utf8, out);
  } catch (const std::exception& error) {
    return Status::error(std::string("screening: ") + error.what());
  }
}

namespace {

void tokenize_impl(std::string_view latin, bool from_arabic_script, NormalizedName* out) {
  out->tokens.clear();
  out->ignored.clear();
  out->from_arabic_script = from_arabic_script;
  std::vector<std::string> raw = raw_tokens(latin);

  // Arabic-script words: "bn"/"abn"/"bnt" are bin/ibn/bint, a glued article splits off ("altkryty").
  if (from_arabic_script) {
    std::vector<std::string> split;
    for (std::string& token : raw) {
      if (token.size() >= 5 && token.compare(0, 2, "al") == 0 && token != "allah") {
        split.push_back("al");
        token.erase(0, 2);
      }
      if (token == "bn") token = "bin";
      if (token == "abn") token = "ibn";
      if (token == "bnt") token = "bint";
      if (token == "allh") token = "allah";
      split.push_back(std::move(token));
    }
    raw = std::move(split);
  }

  // Legal-form phrases and words, honorifics.
  std::vector<NameToken> kept;
  std::vector<std::string> ignored;
  for (size_t i = 0; i < raw.size();) {
    size_t phrase_length = 0;
    for (const auto& phrase : kLegalPhrases) {
      size_t length = 0;
      while (length < phrase.size() && !phrase[length].empty()) length++;
      if (i + length > raw.size()) continue;
      bool match = true;
      for (size_t k = 0; k < length && match; k++) match = raw[i + k] == phrase[k];
      if (match) {
        phrase_length = length;
        break;
      }
    }
    if (phrase_length > 0) {
      for (size_t k = 0; k < phrase_length; k++) ignored.push_back(raw[i + k]);
      i += phrase_length;
      continue;
    }
    if (in(kHonorifics, raw[i]) || in(kLegalForms, raw[i])) {
      ignored.push_back(raw[i]);
    } else {
      push_token(raw[i], &kept);
    }
    i++;
  }
  // A name made only of such words keeps them ("Limited", "The Company").
  if (kept.empty() && !ignored.empty()) {
    for (std::string& word : ignored) push_token(std::move(word), &kept);
    ignored.clear();
  }

  // Abdul- forms.
  std::vector<NameToken> tokens;
  for (NameToken& token : kept) {
    const std::string& text = token.text;
    if (in(kAbdallahForms, text)) {
      push_token("abdallah", &tokens);
      continue;
    }
    if (in(kAbdForms, text)) {
      push_token("abd", &tokens);
      continue;
    }
    bool split = false;
    for (std::string_view prefix : kAbdGluedPrefixes) {
      if (text.size() < prefix.size() + 3 || text.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string rest = text.substr(prefix.size());
      if (rest == "lah" || rest == "llah" || rest == "lahi" || rest == "llahi" || rest == "ullah") continue;
      push_token("abd", &tokens);
      push_token(rest, &tokens);
      split = true;
      break;
    }
    if (!split) tokens.push_back(std::move(token));
  }
  // "abd allah" is Abdullah too.
  for (size_t i = 0; i + 1 < tokens.size(); i++) {
    if (tokens[i].text == "abd" &&
        (tokens[i + 1].text == "allah" || tokens[i + 1].text == "ullah" || tokens[i + 1].text == "alla")) {
      tokens[i].text = "abdallah";
      tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(i + 1));
    }
  }

  for (NameToken& token : tokens) {
    if (token.text.size() == 1 && is_letter(token.text[0]) && token.text != "y") {
      token.role = TokenRole::initial;
    } else if (in(kParticles, token.text) || in(kMoreParticles, token.text)) {
      token.role = TokenRole::particle;
    } else if (is_patronymic(token.text)) {
      token.role = TokenRole::patronymic;
    }
  }
  out->tokens = std::move(tokens);
  out->ignored = std::move(ignored);
}

}  // namespace

void tokenize(std::string_view latin, bool from_arabic_script, NormalizedName* out) {
  try {
    tokenize_impl(latin, from_arabic_script, out);
  } catch (...) {
    *out = NormalizedName();  // out of memory: no tokens
  }
}

Status normalize_name(std::string_view utf8, NormalizedName* out) {
  try {
    std::string latin;
    QZ_TRY(to_latin(utf8, &latin));
    tokenize_impl(latin, has_arabic_script(utf8), out);
    return Status::ok();
  } catch (const std::exception& error) {
    return Status::error(std::string("screening: ") + error.what());
  }
}

namespace {

// The class of one vowel run: 'a', 'e', 'i' or 'o' (u counts as o, y as i). A leading i or y before another
// vowel is a glide (Iouri, Yarin, Vyacheslav), and "ee", "oo", "ou" are English spellings of i, u, u.
char vowel_class(std::string_view run) {
  if (run.size() >= 2 && (run[0] == 'i' || run[0] == 'y')) run.remove_prefix(1);
  if (run.substr(0, 2) == "ee") return 'i';
  switch (run[0]) {
    case 'a': return 'a';
    case 'e': return 'e';
    case 'o':
    case 'u': return 'o';
    default: return 'i';
  }
}

// One pass of the phonetic folding. german_ch: a plain "ch" is kh (Michail); j_vowel: "j" is y (Jurij,
// Aleksej). skeleton: w and y count as vowels and vowels are dropped.
std::string fold(std::string_view t, bool german_ch, bool j_vowel, bool skeleton, std::string* vowels = nullptr) {
  std::string out;
  std::string run;           // the letters of the current vowel run
  bool vowel_since = false;  // skeleton: a vowel came since the last consonant, so a repeat is not a double
  const auto close_run = [&run, vowels]() {
    if (run.empty()) return;
    if (vowels != nullptr) vowels->push_back(vowel_class(run));
    run.clear();
  };
  const auto consonant = [&out, &vowel_since, &close_run](char c) {
    close_run();
    if (out.empty() || out.back() != c || vowel_since) out.push_back(c);
    vowel_since = false;
  };
  const auto vowel = [&out, &vowel_since, &run, skeleton](char letter) {
    vowel_since = true;
    run.push_back(letter);
    if (skeleton) return;
    if (out.empty() || out.back() != 'a') out.push_back('a');
  };
  const size_t n = t.size();
  const auto at = [&t, n](size_t k) { return k < n ? t[k] : '\0'; };
  const auto starts = [&t, n](size_t k, const char* s) {
    for (; *s != '\0'; s++, k++) {
      if (k >= n || t[k] != *s) return false;
    }
    return true;
  };
  size_t i = 0;
  while (i < n) {
    const char c = t[i];
    if (starts(i, "schtsch")) {
      consonant('s');
      consonant('C');
      i += 7;
    } else if (starts(i, "shch")) {
      consonant('s');
      consonant('C');
      i += 4;
    } else if (starts(i, "tsch")) {
      consonant('C');
      i += 4;
    } else if (starts(i, "sch")) {
      consonant('s');
      i += 3;
    } else if (starts(i, "tch")) {
      consonant('C');
      i += 3;
    } else if (starts(i, "dzh")) {
      consonant('j');
      i += 3;
    } else if (skeleton && (starts(i, "th") || starts(i, "sh") || starts(i, "kh") || starts(i, "gh") ||
                            starts(i, "dh") || starts(i, "ch"))) {
      // Arabic-script text uses these digraphs as the press does, and an Arabic "th" may be t + h (Taha).
      consonant(t[i]);
      consonant('h');
      i += 2;
    } else if (starts(i, "ch")) {
      consonant(german_ch ? 'h' : 'C');
      i += 2;
    } else if (starts(i, "sh")) {
      consonant('s');
      i += 2;
    } else if (starts(i, "zh") || starts(i, "dj")) {
      consonant('j');
      i += 2;
    } else if (starts(i, "kh")) {
      consonant('h');
      i += 2;
    } else if (starts(i, "gh")) {
      consonant('g');
      i += 2;
    } else if (starts(i, "ph")) {
      consonant('f');
      i += 2;
    } else if (starts(i, "th")) {
      consonant('t');
      i += 2;
    } else if (starts(i, "dh")) {
      consonant('d');
      i += 2;
    } else if (starts(i, "ts") || starts(i, "tz") || starts(i, "cz")) {
      consonant('C');
      i += 2;
    } else if (starts(i, "ck")) {
      consonant('k');
      i += 2;
    } else if (c == 'x') {
      consonant('k');
      consonant('s');
      i++;
    } else if (c == 'c') {
      const char next = at(i + 1);
      if (next == 'e' || next == 'i' || next == 'y') {
        consonant('s');
      } else if (i + 1 == n) {
        consonant('C');  // South Slavic -vic, scholarly -vic for -vich
      } else {
        consonant('k');
      }
      i++;
    } else if (c == 'q') {
      consonant('k');
      i++;
    } else if (c == 'w') {
      if (skeleton) {
        vowel('u');
      } else {
        consonant('v');
      }
      i++;
    } else if (c == 'j') {
      // A consonant (Jamal, Rojas, Hajj), or as y (German, Slavic: Jurij, Pjotr, Aleksej) in the alternate key.
      if (j_vowel && !skeleton) {
        vowel('y');
      } else {
        consonant('j');
      }
      i++;
    } else if (c == 'h') {
      // A final h after a vowel is silent (Abdallah, Hamzah, Fatimah). In skeletons, which meet Arabic script,
      // only after a (ta marbuta written -ah); after another vowel it is a letter (Saleh, Fateh).
      const bool after_vowel = i > 0 && (skeleton ? t[i - 1] == 'a' : is_vowel(t[i - 1]) || t[i - 1] == 'w');
      if (!(i + 1 == n && after_vowel)) consonant('h');
      i++;
    } else if (is_vowel(c)) {
      vowel(c);
      i++;
    } else {
      consonant(c);
      i++;
    }
  }
  close_run();
  return out;
}

bool has_plain_ch(std::string_view t) {
  for (size_t i = 0; i + 1 < t.size(); i++) {
    if (t[i] == 'c' && t[i + 1] == 'h' && (i == 0 || (t[i - 1] != 't' && t[i - 1] != 's'))) return true;
  }
  return false;
}

void token_keys_impl(std::string_view token, TokenKeys* out);

bool has_j(std::string_view t) {
  for (size_t i = 0; i < t.size(); i++) {
    if (t[i] == 'j' && !(i > 0 && t[i - 1] == 'd')) return true;  // dj and dzh are always the consonant
  }
  return false;
}

}  // namespace

void token_keys(std::string_view token, TokenKeys* out) {
  try {
    token_keys_impl(token, out);
  } catch (...) {
    *out = TokenKeys();  // out of memory: no keys
  }
}

std::vector<std::string> phonetic_keys(std::string_view token) {
  try {
    TokenKeys keys;
    token_keys_impl(token, &keys);
    std::vector<std::string> out = {keys.phonetic};
    if (!keys.alternate.empty()) out.push_back(keys.alternate);
    return out;
  } catch (...) {
    return {std::string()};
  }
}

std::string vowel_pattern(std::string_view token) {
  try {
    std::string vowels;
    fold(token, false, false, false, &vowels);
    return vowels;
  } catch (...) {
    return "";
  }
}

std::string skeleton_key(std::string_view token) {
  try {
    return fold(token, false, false, true);
  } catch (...) {
    return "";
  }
}

namespace {

void token_keys_impl(std::string_view token, TokenKeys* out) {
  out->vowels.clear();
  out->phonetic = fold(token, false, false, false, &out->vowels);
  out->alternate.clear();
  const bool german_ch = has_plain_ch(token);
  const bool j_vowel = has_j(token);
  if (german_ch || j_vowel) {
    out->alternate = fold(token, german_ch, j_vowel, false);
    if (out->alternate == out->phonetic) out->alternate.clear();
  }
  out->skeleton = fold(token, false, false, true);
}

}  // namespace

bool vowels_compatible(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    const char x = std::min(a[i], b[i]);
    const char y = std::max(a[i], b[i]);
    if (x != y && !(x == 'a' && y == 'e') && !(x == 'e' && y == 'i')) return false;
  }
  return true;
}

uint32_t edit_distance(std::string_view a, std::string_view b, uint32_t max_distance) {
  const size_t n = a.size();
  const size_t m = b.size();
  const uint32_t over = max_distance + 1;
  if (n > 64 || m > 64) return over;
  if ((n > m ? n - m : m - n) > max_distance) return over;
  // Three rolling rows of the optimal-string-alignment table; cells farther than max_distance from the diagonal
  // cannot lead to a result within the bound and are kept at `over`.
  uint32_t rows[3][65];
  uint32_t* before = rows[0];
  uint32_t* previous = rows[1];
  uint32_t* current = rows[2];
  for (size_t j = 0; j <= m; j++) previous[j] = std::min<uint32_t>(static_cast<uint32_t>(j), over);
  for (size_t i = 1; i <= n; i++) {
    const size_t from = i > max_distance ? i - max_distance : 1;
    const size_t to = std::min(m, i + max_distance);
    current[0] = std::min<uint32_t>(static_cast<uint32_t>(i), over);
    if (from > 1) current[from - 1] = over;
    uint32_t row_min = current[0];
    for (size_t j = from; j <= to; j++) {
      const uint32_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      uint32_t value = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) value = std::min(value, before[j - 2] + 1);
      current[j] = std::min(value, over);
      row_min = std::min(row_min, current[j]);
    }
    if (to < m) current[to + 1] = over;
    if (row_min >= over) return over;
    uint32_t* recycled = before;
    before = previous;
    previous = current;
    current = recycled;
  }
  return std::min(previous[m], over);
}

}  // namespace qz::screening
