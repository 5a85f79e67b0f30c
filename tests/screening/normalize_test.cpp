// Normalisation: transliteration (ICU plus our Cyrillic and Arabic rules), tokens (honorifics, legal forms,
// particles, patronymics, Abdul- forms), phonetic keys and consonant skeletons, and the edit distance.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "screening/normalize.h"

namespace qz::screening {
namespace {

std::string latin(const std::string& text) {
  std::string out;
  EXPECT_TRUE(to_latin(text, &out).is_ok());
  return out;
}

std::vector<std::string> tokens(const std::string& text) {
  NormalizedName name;
  EXPECT_TRUE(normalize_name(text, &name).is_ok());
  std::vector<std::string> out;
  for (const NameToken& token : name.tokens) out.push_back(token.text);
  return out;
}

using Words = std::vector<std::string>;

TEST(Transliteration, CyrillicAsPassportsWriteIt) {
  EXPECT_EQ(latin("Евгений Щербаков"), "evgeniy shcherbakov");
  EXPECT_EQ(latin("ЖУКОВ Хабаров Цой Чернышёв Юрий Яна"), "zhukov khabarov tsoy chernyshev yuriy yana");
  EXPECT_EQ(latin("Нұрсұлтан Әбішұлы Қайрат Ғалым Өмір Үміт Ұлан Һ Іңкәр"),
            "nursultan abishuly kayrat galym omir umit ulan h inkar");                      // Kazakh letters
  EXPECT_EQ(latin("Юлія Ґонта Їжак Єва Ўладзімір"), "yuliya gonta yizhak yeva uladzimir");  // Ukrainian, Belarusian
  EXPECT_EQ(latin("Подъячев Ильич"), "podyachev ilich");  // hard and soft signs vanish
}

TEST(Transliteration, ArabicAsConsonantsAndOtherScriptsThroughIcu) {
  EXPECT_EQ(latin("محمد"), "mhmd");
  EXPECT_EQ(latin("عمر سبعاوي"), "amr sbaawy");  // ain as a vowel
  EXPECT_EQ(latin("خولة"), "khwla");             // ta marbuta as a
  EXPECT_EQ(latin("عبدالله عبدالحميد أبوغيث"), "abdallah abd alhmyd abu ghyth");
  EXPECT_EQ(latin("ﻛﺍﻛﺭ"), "kakr");                          // presentation forms, through NFKC
  EXPECT_EQ(latin("عبد الصمد اچکزی"), "abd  alsmd achkzy");  // Persian che, kaf, yeh
  for (const char* other : {"Αλέξανδρος", "王明山", "Ålesund Øst Straße"}) {
    const std::string out = latin(other);
    EXPECT_FALSE(out.empty());
    for (char c : out) EXPECT_LT(static_cast<unsigned char>(c), 0x80u) << other << " -> " << out;
  }
  EXPECT_EQ(latin("Ålesund Straße"), "alesund strasse");
  EXPECT_EQ(latin("MiXeD Case"), "mixed case");  // ASCII takes the fast path, lower-cased
}

TEST(Tokens, PunctuationApostrophesAndDottedInitials) {
  EXPECT_EQ(tokens("BA'ASYIR, Abu Bakar"), (Words{"baasyir", "abu", "bakar"}));
  EXPECT_EQ(tokens("Gajic-Milosevic (Milica)"), (Words{"gajic", "milosevic", "milica"}));
  EXPECT_EQ(tokens("DOCTOR M.R.O."), (Words{"mro"}));
  EXPECT_EQ(tokens("Al Obaidi Tariq S."), (Words{"al", "obaidi", "tariq", "s"}));
  EXPECT_EQ(tokens("JUNE 78"), (Words{"june", "78"}));
  EXPECT_TRUE(tokens(" -- ' ").empty());
}

TEST(Tokens, HonorificsAndLegalFormsAreDropped) {
  NormalizedName name;
  ASSERT_TRUE(normalize_name("Mr. Dr Sheikh Haji Ahmad", &name).is_ok());
  EXPECT_EQ(name.tokens.size(), 1u);
  EXPECT_EQ(name.ignored, (Words{"mr", "dr", "sheikh", "haji"}));
  EXPECT_EQ(tokens("OOO Romashka"), (Words{"romashka"}));
  EXPECT_EQ(tokens("TOO \"Alpha Trade\""), (Words{"alpha", "trade"}));
  EXPECT_EQ(tokens("AO Kazatomprom"), (Words{"kazatomprom"}));
  EXPECT_EQ(tokens("ACME LLC"), (Words{"acme"}));
  EXPECT_EQ(tokens("Clear Trade Link SL"), (Words{"clear", "trade", "link"}));
  EXPECT_EQ(tokens("PUBLIC JOINT STOCK COMPANY ZVEZDA"), (Words{"zvezda"}));
  EXPECT_EQ(tokens("ZVEZDA JSC"), (Words{"zvezda"}));
  EXPECT_EQ(tokens("CIRCITO ELECTRONICO S.A. DE C.V."), (Words{"circito", "electronico"}));
  EXPECT_EQ(tokens("Obshchestvo s Ogranichennoy Otvetstvennostyu Vega"), (Words{"vega"}));
  EXPECT_EQ(tokens("Limited Company"), (Words{"limited", "company"}));  // nothing else left: kept
}

TEST(Tokens, AbdulFormsMeet) {
  for (const char* name : {"Abdul Rahman", "Abdulrahman", "Abdel Rahman", "Abdoul Rahman", "Abdurrahman"}) {
    const Words words = tokens(name);
    ASSERT_EQ(words.size(), 2u) << name;
    EXPECT_EQ(words[0], "abd") << name;
  }
  EXPECT_EQ(tokens("'Abd al-Rahman"), (Words{"abd", "al", "rahman"}));
  for (const char* name : {"Abdullah", "Abdallah", "Abdellah", "Abd Allah", "Abdulla"}) {
    EXPECT_EQ(tokens(name), (Words{"abdallah"})) << name;
  }
}

TEST(Tokens, RolesForParticlesPatronymicsAndInitials) {
  NormalizedName name;
  ASSERT_TRUE(normalize_name("Habib bin Ahmed al-Loubiri Sergeevich Nurlankyzy de la Cruz Ogly S.", &name).is_ok());
  std::vector<TokenRole> roles;
  for (const NameToken& token : name.tokens) roles.push_back(token.role);
  using R = TokenRole;
  EXPECT_EQ(roles, (std::vector<TokenRole>{R::word, R::particle, R::word, R::particle, R::word, R::patronymic,
                                           R::patronymic, R::particle, R::particle, R::word, R::particle, R::initial}));
  // Arabic script: the glued article splits off, bn is bin.
  ASSERT_TRUE(normalize_name("حبيب بن احمد اللوبيري", &name).is_ok());
  EXPECT_TRUE(name.from_arabic_script);
  std::vector<std::string> words;
  for (const NameToken& token : name.tokens) words.push_back(token.text);
  EXPECT_EQ(words, (Words{"hbyb", "bin", "ahmd", "al", "lwbyry"}));
  EXPECT_EQ(tokens("عبد الله"), (Words{"abdallah"}));  // Abdullah, written in two words
  EXPECT_EQ(tokens("عبدالله"), (Words{"abdallah"}));
}

TEST(PhoneticKeys, VariantRomanisationsShareAKey) {
  const std::vector<Words> same = {
      {"yevgeny", "evgeniy", "evgenii", "ewgenii", "yevgeniy"},
      {"mohammed", "muhammad", "mohamed", "mouhammed", "muhamad", "mohamad"},
      {"hussein", "husayn", "hossein", "husain", "housayn"},
      {"aleksey", "alexei", "aleksei", "aleksej", "alexey"},
      {"shcherbakov", "schtscherbakow"},
      {"mikhailovich", "michailowitsch", "mihailovich"},
      {"yuri", "iouri", "yury", "jurij", "yuriy"},
      {"dzhamal", "djamal", "jamal"},
      {"kozyura", "kozjura"},
      {"khaled", "haled"},
      {"vyacheslav", "viacheslav", "wjatscheslaw"},
      {"bogacheva", "bogatcheva"},
      {"abdallah", "abdalla"},
      {"gotsanyuk", "gotsaniouk"},
  };
  for (const Words& group : same) {
    for (const std::string& word : group) {
      const std::vector<std::string> a = phonetic_keys(group[0]);
      const std::vector<std::string> b = phonetic_keys(word);
      bool shared = false;
      for (const std::string& x : a) {
        for (const std::string& y : b) shared = shared || x == y;
      }
      EXPECT_TRUE(shared) << group[0] << " / " << word << ": " << a[0] << " vs " << b[0];
    }
  }
  const std::vector<std::pair<std::string, std::string>> different = {
      {"kozlov", "kozlova"}, {"ivan", "igor"}, {"aleksandr", "aleksandra"}, {"morozov", "mironov"}};
  for (const auto& [a, b] : different) EXPECT_NE(phonetic_keys(a)[0], phonetic_keys(b)[0]) << a << " / " << b;
}

TEST(PhoneticKeys, VowelsTellHassanFromHussein) {
  EXPECT_EQ(phonetic_keys("hassan")[0], phonetic_keys("hussein")[0]);
  EXPECT_FALSE(vowels_compatible(vowel_pattern("hassan"), vowel_pattern("hussein")));
  EXPECT_TRUE(vowels_compatible(vowel_pattern("mohammed"), vowel_pattern("muhammad")));
  EXPECT_TRUE(vowels_compatible(vowel_pattern("hamid"), vowel_pattern("hamed")));
  EXPECT_TRUE(vowels_compatible(vowel_pattern("husayn"), vowel_pattern("hossein")));
  EXPECT_FALSE(vowels_compatible(vowel_pattern("dionicio"), vowel_pattern("denise")));
}

TEST(SkeletonKeys, ArabicScriptMeetsVowelledSpellings) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"slyman", "sulaiman"}, {"abwghyth", "aboghaith"}, {"jasm", "jassem"}, {"kakr", "kakar"}, {"tkryty", "tikriti"},
      {"th", "taha"},         {"flsyanw", "feliciano"},  {"hsyn", "hussein"}};
  for (const auto& [arabic, latin_form] : pairs) {
    EXPECT_EQ(skeleton_key(arabic), skeleton_key(latin_form)) << arabic << " / " << latin_form;
  }
  EXPECT_NE(skeleton_key("kakr"), skeleton_key("kar")) << "a repeat across a vowel is two consonants";
  EXPECT_EQ(skeleton_key("salh"), skeleton_key("saleh")) << "a final h after e is a letter (ha)";
  EXPECT_EQ(skeleton_key("jlahma"), skeleton_key("jalahmah")) << "a final -ah is ta marbuta";
}

TEST(EditDistance, OptimalStringAlignmentWithABound) {
  struct Case {
    const char* a;
    const char* b;
    uint32_t bound;
    uint32_t distance;
  };
  const Case cases[] = {
      {"refinery", "refienry", 2, 1},                               // transposition
      {"garcia", "gzrcia", 2, 1},                                   // substitution
      {"milorad", "mlorad", 2, 1},                                  // deletion
      {"bassam", "bassamm", 2, 1},                                  // insertion
      {"kitten", "sitting", 3, 3},    {"kitten", "sitting", 2, 3},  // over the bound: bound + 1
      {"abc", "abcdef", 1, 2},        {"", "", 1, 0},
      {"same", "same", 0, 0},
  };
  for (const Case& c : cases) EXPECT_EQ(edit_distance(c.a, c.b, c.bound), c.distance) << c.a << " / " << c.b;
  EXPECT_EQ(edit_distance(std::string(65, 'a'), std::string(65, 'a'), 2), 3u) << "longer than 64: over the bound";
}

}  // namespace
}  // namespace qz::screening
