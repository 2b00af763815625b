/* seed_gen: writes reports [FIRST, LAST] of an N-report realistic stream as PostgreSQL COPY
 * text rows for tests/bench/seed, with the features intake stores (MinHash signature,
 * indicator tags) computed by the real feature library, so the cluster worker sees exactly
 * what a live gateway would have stored. Several processes with disjoint id ranges write the
 * same stream as one (every choice is a function of the report id and fixed seeds).
 *
 * The stream:
 * - Time: ids in time order over the 60 days before NOW, the daily volume growing 3x.
 * - Place: ~200 cities weighted by population (x a per-country reporting rate), given in the
 *   spellings apps send ("NYC", "new york, ny", "深圳市", "Tulsa, OK"); some reports carry
 *   only the geocode of the reporter's number, a few no place at all. Reporters (64-hex
 *   pseudonyms) live in one city; a few per city report a lot.
 * - Campaigns: one huge toll-scam campaign takes ~30 % of US reports and ~45 % of New York's
 *   (growing over time); the rest draw a campaign rank from a Zipf law (weight ~rank^-0.9) over
 *   T ranks, T chosen so that about CAMPAIGNS ranks are drawn at all (~1 million at 10 M);
 *   when T reaches the cap below (F(F-1)/2), the law is flattened instead (s down to 0.5).
 *   Rank r's text: the r-th unordered pair of fragments (heads and tails of the bases: English
 *   from the corpora, see lib/seed_bases.py; Chinese in CN), r < F(F-1)/2, so two ranks share
 *   at most one fragment, under half their shingles, and stay separate campaigns. Each
 *   campaign has its own link domain (a pool of them for the big ones), call-back number,
 *   e-mail, QQ and WeChat ids. Small campaigns are active in a window of the 60 days, some
 *   big ones grow or fade. Copies are mutated (codes, opt-out tails, case, amounts) and
 *   rotate the link path.
 * - Senders: each campaign sends from a sender pool shared with a few other campaigns (one
 *   operation running several lures), of E.164 numbers (US, GB, CA, IN, PH, MX; +86 for
 *   Chinese), short codes, alphanumeric ids or e-mail / Apple IDs over iMessage.
 * - Noise: 3 % ham (UCI/Mendeley) with a random tail.
 *
 * usage: seed_gen BASES N CAMPAIGNS NOW_EPOCH FIRST LAST > rows.copy
 * Columns: id, ingested_at, channel, sender_raw, sender, sender_kind, content, city, country,
 * reporter_pseudonym, source, minhash, indicators, reporter_place, sender_place.
 * With FIRST = 0 it prints the calibration (T per language, expected campaigns) and exits. */
#include "gateway/intake/features.h"
#include "tests/bench/lib/copyrow.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAYS 60
#define HAM_PER_MILLE 30
#define FRAG_MAX 64     /* English fragment bytes */
#define FRAG_MAX_ZH 150 /* Chinese: 50 characters */
#define FRAG_MIN 40     /* bytes of text besides placeholders, or the fragment is left out */
#define HUGE_RANK (-1L)

/* ---- deterministic randomness ------------------------------------------------------------ */

static uint64_t
mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t g_state;

static uint64_t
rnd(void)
{
    return mix(g_state++);
}

static double
unif(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* ---- places ------------------------------------------------------------------------------ */

struct city {
    const char *name, *cc, *region; /* region: US state code, CN province, else "" */
    double pop;                     /* metro population, millions */
    const char *variants;           /* '|'-separated spellings apps send */
};

/* Reports per capita differ by country (app adoption, how common SMS spam is). */
static double
country_rate(const char *cc)
{
    if (!strcmp(cc, "US"))
        return 1.0;
    if (!strcmp(cc, "GB") || !strcmp(cc, "CA") || !strcmp(cc, "AU"))
        return 0.6;
    if (!strcmp(cc, "CN"))
        return 0.12;
    return 0.05;
}

/* The first 40 are the US metros of gateway/cluster/city.c's table, in its order: their
 * spellings all canonicalise to one key. Other cities are sent as "City, ST" (US) or by name. */
static const struct city cities[] = {
    {"New York", "US", "NY", 19.8,
     "New York|NYC|new york|New York, NY|new york city|Manhattan|Brooklyn|Queens"},
    {"Los Angeles", "US", "CA", 12.9, "Los Angeles|LA|los angeles, ca|Los Angeles CA"},
    {"Chicago", "US", "IL", 9.4, "Chicago|chicago|Chicago, IL|CHICAGO"},
    {"Dallas", "US", "TX", 5.3, "Dallas|dallas, texas|Dallas TX"},
    {"Fort Worth", "US", "TX", 2.6, "Fort Worth|Ft Worth|fort worth tx"},
    {"Houston", "US", "TX", 7.3, "Houston|houston, tx|Houston TX"},
    {"Washington", "US", "DC", 6.3, "Washington, DC|washington dc|DC"},
    {"Philadelphia", "US", "PA", 6.2, "Philadelphia|Philly|philadelphia, pa"},
    {"Miami", "US", "FL", 6.1, "Miami|miami, fl|Miami FL"},
    {"Atlanta", "US", "GA", 6.2, "Atlanta|atlanta, ga"},
    {"Boston", "US", "MA", 4.9, "Boston|boston, ma"},
    {"Phoenix", "US", "AZ", 4.9, "Phoenix|phoenix, az"},
    {"San Francisco", "US", "CA", 2.9, "San Francisco|SF|san francisco, ca"},
    {"Oakland", "US", "CA", 1.8, "Oakland|oakland ca"},
    {"Riverside", "US", "CA", 4.6, "Riverside|riverside, ca"},
    {"Detroit", "US", "MI", 4.3, "Detroit|detroit, mi"},
    {"Seattle", "US", "WA", 4.0, "Seattle|seattle, wa"},
    {"Minneapolis", "US", "MN", 3.7, "Minneapolis|minneapolis mn"},
    {"San Diego", "US", "CA", 3.3, "San Diego|san diego, CA"},
    {"Tampa", "US", "FL", 3.2, "Tampa|tampa fl"},
    {"Denver", "US", "CO", 3.0, "Denver|denver co"},
    {"Baltimore", "US", "MD", 2.8, "Baltimore|baltimore, md"},
    {"St. Louis", "US", "MO", 2.8, "St. Louis|Saint Louis|st louis"},
    {"Orlando", "US", "FL", 2.7, "Orlando|orlando, fl"},
    {"Charlotte", "US", "NC", 2.7, "Charlotte|charlotte nc"},
    {"San Antonio", "US", "TX", 2.6, "San Antonio|san antonio tx"},
    {"Portland", "US", "OR", 2.5, "Portland|portland, or"},
    {"Sacramento", "US", "CA", 2.4, "Sacramento|sacramento ca"},
    {"Pittsburgh", "US", "PA", 2.4, "Pittsburgh|pittsburgh pa"},
    {"Austin", "US", "TX", 2.4, "Austin|austin, tx"},
    {"Las Vegas", "US", "NV", 2.3, "Las Vegas|Vegas|las vegas nv"},
    {"Cincinnati", "US", "OH", 2.3, "Cincinnati|cincinnati oh"},
    {"Kansas City", "US", "MO", 2.2, "Kansas City|kansas city mo"},
    {"Columbus", "US", "OH", 2.1, "Columbus|columbus, oh"},
    {"Indianapolis", "US", "IN", 2.1, "Indianapolis|indianapolis in"},
    {"Cleveland", "US", "OH", 2.1, "Cleveland|cleveland oh"},
    {"San Jose", "US", "CA", 2.0, "San Jose|san jose ca"},
    {"Nashville", "US", "TN", 2.0, "Nashville|nashville, tn"},
    {"Jacksonville", "US", "FL", 1.6, "Jacksonville|jacksonville fl"},
    {"Virginia Beach", "US", "VA", 1.8, "Virginia Beach|virginia beach va"},
    {"Providence", "US", "RI", 1.7, "Providence|providence ri"},
    {"Raleigh", "US", "NC", 1.4, "Raleigh|raleigh nc"},
    {"Milwaukee", "US", "WI", 1.6, "Milwaukee|milwaukee wi"},
    {"Oklahoma City", "US", "OK", 1.4, "Oklahoma City|OKC"},
    {"Memphis", "US", "TN", 1.3, "Memphis|memphis tn"},
    {"Richmond", "US", "VA", 1.3, "Richmond|richmond va"},
    {"Louisville", "US", "KY", 1.3, "Louisville|louisville ky"},
    {"New Orleans", "US", "LA", 1.3, "New Orleans|NOLA|new orleans la"},
    {"Salt Lake City", "US", "UT", 1.3, "Salt Lake City|SLC"},
    {"Hartford", "US", "CT", 1.2, "Hartford|hartford ct"},
    {"Buffalo", "US", "NY", 1.2, "Buffalo|buffalo ny"},
    {"Birmingham", "US", "AL", 1.1, "Birmingham, AL|birmingham al"},
    {"Rochester", "US", "NY", 1.1, "Rochester|rochester ny"},
    {"Grand Rapids", "US", "MI", 1.1, "Grand Rapids|grand rapids mi"},
    {"Tucson", "US", "AZ", 1.0, "Tucson|tucson az"},
    {"Honolulu", "US", "HI", 1.0, "Honolulu|honolulu hi"},
    {"Tulsa", "US", "OK", 1.0, "Tulsa|tulsa ok"},
    {"Fresno", "US", "CA", 1.0, "Fresno|fresno ca"},
    {"Worcester", "US", "MA", 0.98, "Worcester|worcester ma"},
    {"Omaha", "US", "NE", 0.97, "Omaha|omaha ne"},
    {"Bridgeport", "US", "CT", 0.95, "Bridgeport|bridgeport ct"},
    {"Greenville", "US", "SC", 0.93, "Greenville|greenville sc"},
    {"Albuquerque", "US", "NM", 0.92, "Albuquerque|albuquerque nm"},
    {"Bakersfield", "US", "CA", 0.91, "Bakersfield|bakersfield ca"},
    {"Albany", "US", "NY", 0.90, "Albany|albany ny"},
    {"Knoxville", "US", "TN", 0.89, "Knoxville|knoxville tn"},
    {"El Paso", "US", "TX", 0.87, "El Paso|el paso tx"},
    {"Baton Rouge", "US", "LA", 0.87, "Baton Rouge|baton rouge la"},
    {"McAllen", "US", "TX", 0.87, "McAllen|mcallen tx"},
    {"New Haven", "US", "CT", 0.86, "New Haven|new haven ct"},
    {"Allentown", "US", "PA", 0.86, "Allentown|allentown pa"},
    {"Oxnard", "US", "CA", 0.84, "Oxnard|oxnard ca"},
    {"Columbia", "US", "SC", 0.83, "Columbia, SC|columbia sc"},
    {"North Port", "US", "FL", 0.83, "North Port|north port fl"},
    {"Dayton", "US", "OH", 0.81, "Dayton|dayton oh"},
    {"Charleston", "US", "SC", 0.80, "Charleston|charleston sc"},
    {"Greensboro", "US", "NC", 0.77, "Greensboro|greensboro nc"},
    {"Stockton", "US", "CA", 0.78, "Stockton|stockton ca"},
    {"Cape Coral", "US", "FL", 0.76, "Cape Coral|cape coral fl"},
    {"Boise", "US", "ID", 0.76, "Boise|boise id"},
    {"Colorado Springs", "US", "CO", 0.75, "Colorado Springs|colorado springs co"},
    {"Little Rock", "US", "AR", 0.74, "Little Rock|little rock ar"},
    {"Lakeland", "US", "FL", 0.72, "Lakeland|lakeland fl"},
    {"Akron", "US", "OH", 0.70, "Akron|akron oh"},
    {"Des Moines", "US", "IA", 0.70, "Des Moines|des moines ia"},
    {"Springfield", "US", "MA", 0.70, "Springfield, MA|springfield ma"},
    {"Ogden", "US", "UT", 0.69, "Ogden|ogden ut"},
    {"Madison", "US", "WI", 0.68, "Madison|madison wi"},
    {"Winston-Salem", "US", "NC", 0.68, "Winston-Salem|winston salem"},
    {"Deltona", "US", "FL", 0.67, "Deltona|deltona fl"},
    {"Syracuse", "US", "NY", 0.66, "Syracuse|syracuse ny"},
    {"Provo", "US", "UT", 0.67, "Provo|provo ut"},
    {"Toledo", "US", "OH", 0.64, "Toledo|toledo oh"},
    {"Wichita", "US", "KS", 0.64, "Wichita|wichita ks"},
    {"Durham", "US", "NC", 0.65, "Durham|durham nc"},
    {"Augusta", "US", "GA", 0.61, "Augusta|augusta ga"},
    {"Palm Bay", "US", "FL", 0.61, "Palm Bay|palm bay fl"},
    {"Jackson", "US", "MS", 0.59, "Jackson, MS|jackson ms"},
    {"Harrisburg", "US", "PA", 0.59, "Harrisburg|harrisburg pa"},
    {"Spokane", "US", "WA", 0.59, "Spokane|spokane wa"},
    {"Chattanooga", "US", "TN", 0.56, "Chattanooga|chattanooga tn"},
    {"Scranton", "US", "PA", 0.57, "Scranton|scranton pa"},
    {"Modesto", "US", "CA", 0.55, "Modesto|modesto ca"},
    {"Lancaster", "US", "PA", 0.55, "Lancaster|lancaster pa"},
    {"Portland", "US", "ME", 0.55, "Portland, ME|portland me"},
    {"Lansing", "US", "MI", 0.54, "Lansing|lansing mi"},
    {"Fayetteville", "US", "AR", 0.55, "Fayetteville|fayetteville ar"},
    {"Youngstown", "US", "OH", 0.54, "Youngstown|youngstown oh"},
    {"Lexington", "US", "KY", 0.52, "Lexington|lexington ky"},
    {"Anchorage", "US", "AK", 0.40, "Anchorage|anchorage ak"},
    {"San Juan", "US", "PR", 2.0, "San Juan|san juan pr"},
    {"Shanghai", "CN", "Shanghai", 24.9, "上海|上海市|Shanghai"},
    {"Beijing", "CN", "Beijing", 21.9, "北京|北京市|Beijing|Peking"},
    {"Chongqing", "CN", "Chongqing", 16.0, "重庆|重庆市|Chongqing"},
    {"Tianjin", "CN", "Tianjin", 13.9, "天津|天津市|Tianjin"},
    {"Guangzhou", "CN", "Guangdong", 18.8, "广州|广州市|Guangzhou"},
    {"Shenzhen", "CN", "Guangdong", 17.6, "深圳|深圳市|Shenzhen|shenzhen"},
    {"Chengdu", "CN", "Sichuan", 16.3, "成都|成都市|Chengdu"},
    {"Nanjing", "CN", "Jiangsu", 9.3, "南京|南京市|Nanjing"},
    {"Wuhan", "CN", "Hubei", 12.3, "武汉|武汉市|Wuhan"},
    {"Xi'an", "CN", "Shaanxi", 12.9, "西安|西安市|Xi'an|Xian"},
    {"Hangzhou", "CN", "Zhejiang", 12.2, "杭州|杭州市|Hangzhou"},
    {"Dongguan", "CN", "Guangdong", 10.5, "东莞|东莞市|Dongguan"},
    {"Foshan", "CN", "Guangdong", 9.5, "佛山|佛山市|Foshan"},
    {"Shenyang", "CN", "Liaoning", 9.1, "沈阳|沈阳市|Shenyang"},
    {"Harbin", "CN", "Heilongjiang", 10.0, "哈尔滨|哈尔滨市|Harbin"},
    {"Qingdao", "CN", "Shandong", 10.1, "青岛|青岛市|Qingdao"},
    {"Dalian", "CN", "Liaoning", 7.5, "大连|大连市|Dalian"},
    {"Jinan", "CN", "Shandong", 9.2, "济南|济南市|Jinan"},
    {"Zhengzhou", "CN", "Henan", 12.6, "郑州|郑州市|Zhengzhou"},
    {"Changsha", "CN", "Hunan", 10.0, "长沙|长沙市|Changsha"},
    {"Kunming", "CN", "Yunnan", 8.5, "昆明|昆明市|Kunming"},
    {"Suzhou", "CN", "Jiangsu", 12.7, "苏州|苏州市|Suzhou"},
    {"Shantou", "CN", "Guangdong", 5.5, "汕头|汕头市|Shantou"},
    {"Hefei", "CN", "Anhui", 9.4, "合肥|合肥市|Hefei"},
    {"Shijiazhuang", "CN", "Hebei", 11.2, "石家庄|石家庄市|Shijiazhuang"},
    {"Ningbo", "CN", "Zhejiang", 9.4, "宁波|宁波市|Ningbo"},
    {"Taiyuan", "CN", "Shanxi", 5.3, "太原|太原市|Taiyuan"},
    {"Nanning", "CN", "Guangxi", 8.7, "南宁|南宁市|Nanning"},
    {"Xiamen", "CN", "Fujian", 5.2, "厦门|厦门市|Xiamen"},
    {"Fuzhou", "CN", "Fujian", 8.3, "福州|福州市|Fuzhou"},
    {"Changchun", "CN", "Jilin", 9.1, "长春|长春市|Changchun"},
    {"Wuxi", "CN", "Jiangsu", 7.5, "无锡|无锡市|Wuxi"},
    {"Urumqi", "CN", "Xinjiang", 4.1, "乌鲁木齐|Urumqi"},
    {"Nanchang", "CN", "Jiangxi", 6.3, "南昌|南昌市|Nanchang"},
    {"Guiyang", "CN", "Guizhou", 6.0, "贵阳|贵阳市|Guiyang"},
    {"Lanzhou", "CN", "Gansu", 4.4, "兰州|兰州市|Lanzhou"},
    {"Hohhot", "CN", "Inner Mongolia", 3.4, "呼和浩特|Hohhot"},
    {"Zhuhai", "CN", "Guangdong", 2.4, "珠海|珠海市|Zhuhai"},
    {"Xuzhou", "CN", "Jiangsu", 9.1, "徐州|徐州市|Xuzhou"},
    {"Wenzhou", "CN", "Zhejiang", 9.6, "温州|温州市|Wenzhou"},
    {"Hong Kong", "CN", "Hong Kong", 7.4, "香港|Hong Kong|hong kong"},
    {"London", "GB", "", 9.6, "London|london|London, UK"},
    {"Manchester", "GB", "", 2.8, "Manchester|manchester"},
    {"Birmingham", "GB", "", 2.9, "Birmingham|birmingham uk"},
    {"Leeds", "GB", "", 1.9, "Leeds|leeds"},
    {"Glasgow", "GB", "", 1.7, "Glasgow|glasgow"},
    {"Liverpool", "GB", "", 1.4, "Liverpool|liverpool"},
    {"Newcastle", "GB", "", 1.1, "Newcastle|newcastle upon tyne"},
    {"Sheffield", "GB", "", 1.3, "Sheffield|sheffield"},
    {"Bristol", "GB", "", 0.7, "Bristol|bristol"},
    {"Edinburgh", "GB", "", 0.55, "Edinburgh|edinburgh"},
    {"Cardiff", "GB", "", 0.48, "Cardiff|cardiff"},
    {"Belfast", "GB", "", 0.64, "Belfast|belfast"},
    {"Nottingham", "GB", "", 0.77, "Nottingham|nottingham"},
    {"Leicester", "GB", "", 0.55, "Leicester|leicester"},
    {"Toronto", "CA", "", 6.2, "Toronto|toronto, on"},
    {"Montreal", "CA", "", 4.3, "Montreal|Montréal"},
    {"Vancouver", "CA", "", 2.6, "Vancouver|vancouver bc"},
    {"Calgary", "CA", "", 1.5, "Calgary|calgary ab"},
    {"Edmonton", "CA", "", 1.4, "Edmonton|edmonton ab"},
    {"Ottawa", "CA", "", 1.4, "Ottawa|ottawa on"},
    {"Winnipeg", "CA", "", 0.83, "Winnipeg|winnipeg"},
    {"Quebec City", "CA", "", 0.84, "Quebec City|Québec"},
    {"Sydney", "AU", "", 5.3, "Sydney|sydney nsw"},
    {"Melbourne", "AU", "", 5.1, "Melbourne|melbourne vic"},
    {"Brisbane", "AU", "", 2.6, "Brisbane|brisbane qld"},
    {"Perth", "AU", "", 2.1, "Perth|perth wa"},
    {"Adelaide", "AU", "", 1.4, "Adelaide|adelaide sa"},
    {"Mumbai", "IN", "", 21.0, "Mumbai|Bombay"},
    {"Delhi", "IN", "", 32.0, "Delhi|New Delhi"},
    {"Bangalore", "IN", "", 13.0, "Bangalore|Bengaluru"},
    {"Hyderabad", "IN", "", 10.5, "Hyderabad|hyderabad"},
    {"Chennai", "IN", "", 11.5, "Chennai|Madras"},
    {"Kolkata", "IN", "", 15.1, "Kolkata|Calcutta"},
    {"Pune", "IN", "", 7.2, "Pune|pune"},
    {"Manila", "PH", "", 14.4, "Manila|Metro Manila"},
    {"Cebu", "PH", "", 3.0, "Cebu|Cebu City"},
    {"Davao", "PH", "", 1.8, "Davao|Davao City"},
    {"Mexico City", "MX", "", 22.0, "Mexico City|Ciudad de México|CDMX"},
    {"Guadalajara", "MX", "", 5.3, "Guadalajara"},
    {"Monterrey", "MX", "", 5.3, "Monterrey"},
    {"Berlin", "DE", "", 3.6, "Berlin"},
    {"Hamburg", "DE", "", 1.9, "Hamburg"},
    {"Munich", "DE", "", 1.5, "Munich|München"},
    {"Paris", "FR", "", 11.1, "Paris"},
    {"Lyon", "FR", "", 2.3, "Lyon"},
    {"Madrid", "ES", "", 6.7, "Madrid"},
    {"Barcelona", "ES", "", 5.6, "Barcelona"},
    {"Rome", "IT", "", 4.3, "Rome|Roma"},
    {"Milan", "IT", "", 3.1, "Milan|Milano"},
    {"Amsterdam", "NL", "", 2.5, "Amsterdam"},
    {"Dublin", "IE", "", 1.4, "Dublin"},
    {"Singapore", "SG", "", 5.9, "Singapore"},
    {"Kuala Lumpur", "MY", "", 8.4, "Kuala Lumpur|KL"},
    {"Lagos", "NG", "", 15.4, "Lagos"},
    {"Johannesburg", "ZA", "", 6.0, "Johannesburg|Joburg"},
    {"Sao Paulo", "BR", "", 22.4, "São Paulo|Sao Paulo"},
    {"Taipei", "TW", "", 7.0, "Taipei|台北"},
};
#define NCITIES (sizeof cities / sizeof cities[0])

static double city_cum[NCITIES], city_total;
static long city_reporters[NCITIES];
static int city_ny;                 /* index of New York */
static double p_huge_ny, p_huge_us; /* P(huge campaign | New York / other US city) */

static int
pick_city(void)
{
    double u = unif() * city_total;
    int lo = 0, hi = (int)NCITIES - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (city_cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The k-th '|'-separated variant, copied into out. */
static void
variant(const char *list, unsigned k, char *out, size_t cap)
{
    unsigned n = 1;
    for (const char *p = list; *p; p++)
        n += *p == '|';
    k %= n;
    const char *p = list;
    while (k--)
        p = strchr(p, '|') + 1;
    size_t len = strcspn(p, "|");
    if (len >= cap)
        len = cap - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

/* ---- bases and campaigns ----------------------------------------------------------------- */

struct pool {
    char **text; /* whole base texts with {U} {E} {P} {Q} {W} placeholders */
    long n;
    char **frag; /* their heads and tails (see pool_prepare), shuffled; an odd number */
    long nfrag;
    long t;   /* Zipf ranks */
    double s; /* Zipf exponent */
    int zh;
};

static struct pool g_en, g_zh, g_ham;

static void
pool_add(struct pool *p, const char *s)
{
    p->text = realloc(p->text, (size_t)(p->n + 1) * sizeof *p->text);
    p->text[p->n++] = strdup(s);
}

/* A fragment: at most FRAG_MAX bytes, never inside a placeholder or a UTF-8 sequence, cut at a
 * space (English) or after a Chinese comma when there is one. */
static char *
fragment(const char *s, int zh)
{
    size_t len = strlen(s), max = zh ? FRAG_MAX_ZH : FRAG_MAX;
    if (len <= max)
        return strdup(s);
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    size_t best = 0;
    for (size_t i = 0; i < cut; i++) {
        if (!zh && s[i] == ' ')
            best = i;
        if (zh && !strncmp(s + i, "，", 3) && i + 3 <= cut)
            best = i + 3;
    }
    if (best >= max / 3)
        cut = best;
    char *f = strndup(s, cut);
    char *open = strrchr(f, '{');
    if (open && !strchr(open, '}'))
        *open = '\0';
    return f;
}

/* Bytes of s outside {X} placeholders and spaces: what shingles are made of. */
static size_t
text_bytes(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s == '{' && strchr(s, '}'))
            s = strchr(s, '}');
        else if (*s != ' ')
            n++;
    }
    return n;
}

/* The pool's fragments: each base's head (its first FRAG_MAX bytes, cut between words) and,
 * when the rest has enough text, its tail (the next FRAG_MAX bytes), each kept only with
 * FRAG_MIN bytes of text of its own; a near-empty fragment ("{U}") would make every pair
 * holding it a copy of the other fragment's campaigns, and they would merge. Head and tail
 * of one base share no text. The order is shuffled with a fixed seed so that consecutive
 * ranks do not walk one base, and one is dropped if the count is even (see campaign_text). */
static void
pool_prepare(struct pool *p)
{
    p->frag = malloc((size_t)p->n * 2 * sizeof(char *));
    p->nfrag = 0;
    for (long i = 0; i < p->n; i++) {
        const char *rest = p->text[i];
        for (int part = 0; part < 2 && *rest; part++) {
            char *f = fragment(rest, p->zh);
            size_t used = strlen(f);
            if (text_bytes(f) >= FRAG_MIN)
                p->frag[p->nfrag++] = f;
            else
                free(f);
            if (used == 0)
                break;
            rest += used;
            while (*rest == ' ')
                rest++;
        }
    }
    for (long i = p->nfrag - 1; i > 0; i--) {
        long k = (long)(mix((uint64_t)i ^ 0xf7a9) % (uint64_t)(i + 1));
        char *t = p->frag[i];
        p->frag[i] = p->frag[k];
        p->frag[k] = t;
    }
    if (p->nfrag % 2 == 0 && p->nfrag > 0)
        free(p->frag[--p->nfrag]);
}

/* Zipf-like ranks in [0, T): P(k) ~ (k+1)^-s, drawn as the floor of a continuous power law on
 * [1, T+1) (inverse CDF, O(1)). s is 0.9 unless a language's ranks reach their cap
 * below its campaign target: then calibration flattens its law until the target is met. */
#define ZIPF_S 0.9

static double
zipf_p(long k, long t, double zs)
{
    double e = 1 - zs;
    return (pow((double)k + 2, e) - pow((double)k + 1, e)) / (pow((double)t + 1, e) - 1);
}

static long
zipf_rank(long t, double zs)
{
    double e = 1 - zs;
    double x = pow(1 + unif() * (pow((double)t + 1, e) - 1), 1 / e);
    long k = (long)floor(x) - 1;
    return k < 0 ? 0 : k >= t ? t - 1 : k;
}

/* Rank r's activity: the top ranks run all along (a third growing, a third fading), the rest
 * in a window [c - w/2, c + w/2] of the 60 days (time fraction f: 0 = 60 days ago, 1 = now). */
static int
activity(long r, int zh, double *c, double *w)
{
    uint64_t h = mix((uint64_t)r * 2 + (uint64_t)zh + 0x5eed);
    if (r < 200)
        return (int)(h % 3);
    *c = (double)(h >> 11) / 9007199254740992.0;
    *w = 0.1 + 0.6 * (double)((h >> 3) & 255) / 255.0;
    return 3;
}

/* Whether rank r sends at time fraction f (draws randomness for the top ranks). */
static int
active(long r, int zh, double f)
{
    double c = 0, w = 0;
    switch (activity(r, zh, &c, &w)) {
    case 0: return unif() < f * f;
    case 1: return unif() < 1.0 - 0.8 * f;
    case 2: return 1;
    default: return fabs(f - c) <= w / 2;
    }
}

/* Reports up to time fraction f: the volume grows 3x, CDF (f + f^2) / 2. */
static double
time_cdf(double f)
{
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return (f + f * f) / 2;
}

/* P(active(r, zh, f)) over the report times: E[f^2] = 5/12 and E[f] = 7/12 under that law. */
static double
acceptance(long r, int zh)
{
    double c = 0, w = 0;
    switch (activity(r, zh, &c, &w)) {
    case 0: return 5.0 / 12;
    case 1: return 1.0 - 0.8 * 7.0 / 12;
    case 2: return 1.0;
    default: return time_cdf(c + w / 2) - time_cdf(c - w / 2);
    }
}

/* Expected number of distinct ranks among D draws of the sampler below over T ranks. */
static double
expected_distinct(double d, long t, double zs, int zh)
{
    /* A draw retries until the rank is active (up to 24 times), so a rank's share is its Zipf
     * weight times its acceptance, normalised. */
    double s = 0, z = 0;
    for (long k = 0; k < t; k++)
        z += zipf_p(k, t, zs) * acceptance(k, zh);
    for (long k = 0; k < t; k++)
        s += -expm1(-d * zipf_p(k, t, zs) * acceptance(k, zh) / z);
    return s;
}

/* Smallest T whose expected distinct count reaches target (capped). */
static long
calibrate(double draws, double target, int zh)
{
    long lo = 1, hi = 1;
    if (target >= draws * 0.95)
        target = draws * 0.95;
    while (expected_distinct(draws, hi, ZIPF_S, zh) < target && hi < 200000000L)
        hi *= 2;
    lo = hi / 2;
    while (hi - lo > hi / 200 + 1) {
        long mid = lo + (hi - lo) / 2;
        if (expected_distinct(draws, mid, ZIPF_S, zh) < target)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

static const char *const brands[] = {
    "usps",     "fedex",   "dhl",     "ups",     "chase",    "wellsfargo", "bofa",    "citi",
    "amazon",   "netflix", "irs",     "dmv",     "verizon",  "att",        "tmobile", "apple",
    "paypal",   "costco",  "walmart", "target",  "ezpass",   "sunpass",    "fastrak", "txtag",
    "coinbase", "venmo",   "zelle",   "cashapp", "medicare", "ssa",        "geico",   "comcast"};
static const char *const zh_words[] = {"jinsha", "pujing",    "yinhe",  "yongli", "weinisi",
                                       "fapiao", "daikai",    "daigou", "caijin", "fuli",
                                       "meinv",  "tongcheng", "haiwai", "zhibo",  "kaipiao"};
static const char *const lures[] = {"track",  "verify", "secure",  "pay",     "refund", "claim",
                                    "update", "login",  "account", "support", "notice", "help"};
static const char *const tlds[] = {"com",  "top", "xyz", "info", "site", "online", "club",
                                   "live", "vip", "cc",  "icu",  "shop", "net",    "me"};

static void
base36(uint64_t h, int digits, char *out)
{
    static const char a[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 0; i < digits; i++, h /= 36)
        out[i] = a[h % 36];
    out[digits] = '\0';
}

/* Campaign key: pool and rank (HUGE_RANK for the toll campaign). */
static uint64_t
ckey(int zh, long r)
{
    return mix(((uint64_t)(r + 1) << 1 | (uint64_t)zh) ^ 0xca3ba16eULL);
}

/* The campaign's link domain number j of its pool. */
static void
domain(uint64_t ck, int zh, unsigned j, char *out, size_t cap)
{
    uint64_t h = mix(ck + j * 0x1000193ULL);
    char id[8];
    base36(h >> 20, 5, id);
    if (zh)
        snprintf(out, cap, "%s%s.%s", zh_words[h % 15], id, tlds[(h >> 8) % 14]);
    else
        snprintf(out, cap, "%s-%s%s.%s", brands[h % 32], lures[(h >> 5) % 12], id,
                 tlds[(h >> 9) % 14]);
}

/* A US number of a real area code, with the place its geocode gives. */
struct area {
    const char *code, *place;
};
static const struct area us_areas[] = {
    {"212", "New York, NY"},      {"646", "New York, NY"},    {"718", "New York, NY"},
    {"917", "New York, NY"},      {"213", "Los Angeles, CA"}, {"310", "Los Angeles, CA"},
    {"323", "Los Angeles, CA"},   {"312", "Chicago, IL"},     {"773", "Chicago, IL"},
    {"713", "Houston, TX"},       {"832", "Houston, TX"},     {"602", "Phoenix, AZ"},
    {"215", "Philadelphia, PA"},  {"210", "San Antonio, TX"}, {"619", "San Diego, CA"},
    {"214", "Dallas, TX"},        {"408", "San Jose, CA"},    {"305", "Miami, FL"},
    {"404", "Atlanta, GA"},       {"206", "Seattle, WA"},     {"617", "Boston, MA"},
    {"303", "Denver, CO"},        {"202", "Washington, DC"},  {"702", "Las Vegas, NV"},
    {"415", "San Francisco, CA"}, {"512", "Austin, TX"},      {"615", "Nashville, TN"},
    {"503", "Portland, OR"},      {"313", "Detroit, MI"},     {"612", "Minneapolis, MN"},
    {"786", "Miami, FL"},         {"929", "New York, NY"},    {"347", "New York, NY"},
    {"469", "Dallas, TX"},        {"346", "Houston, TX"},     {"872", "Chicago, IL"},
};
#define NAREAS (sizeof us_areas / sizeof us_areas[0])

/* Phone number from h for country cc into out (E.164) and raw (as a handset shows it);
 * returns the geocoded place or NULL. */
static const char *
phone(uint64_t h, const char *cc, char *out, char *raw, size_t cap)
{
    unsigned long long d = (h >> 16) % 10000000ULL;
    if (!strcmp(cc, "US") || !strcmp(cc, "CA")) {
        const struct area *a = &us_areas[h % NAREAS];
        const char *code = !strcmp(cc, "CA") ? ((h >> 8) & 1 ? "416" : "604") : a->code;
        unsigned long long x = 2000000 + d % 8000000; /* exchange starts 2-9 */
        snprintf(out, cap, "+1%s%07llu", code, x);
        snprintf(raw, cap, "(%s) %03llu-%04llu", code, x / 10000, x % 10000);
        return strcmp(cc, "CA") ? a->place : NULL;
    }
    if (!strcmp(cc, "CN")) {
        static const char *const pre[] = {"130", "131", "135", "136", "137", "138", "139", "150",
                                          "151", "152", "158", "159", "176", "186", "187", "188"};
        snprintf(out, cap, "+86%s%08llu", pre[h % 16], (h >> 20) % 100000000ULL);
        snprintf(raw, cap, "%s", out + 3);
        return NULL;
    }
    if (!strcmp(cc, "GB"))
        snprintf(out, cap, "+447%d%08llu", 4 + (int)(h % 6), (h >> 20) % 100000000ULL);
    else if (!strcmp(cc, "IN"))
        snprintf(out, cap, "+919%09llu", (h >> 20) % 1000000000ULL);
    else if (!strcmp(cc, "PH"))
        snprintf(out, cap, "+639%09llu", (h >> 20) % 1000000000ULL);
    else
        snprintf(out, cap, "+521%02d%08llu", 55 + (int)(h % 30), (h >> 20) % 100000000ULL);
    snprintf(raw, cap, "%s", out);
    return NULL;
}

/* Sender pools: shared by a few campaigns (one operation, several lures). */
struct sender {
    char value[96], raw[96];
    const char *kind, *channel, *place;
};

static void
sender_pick(uint64_t ck, long r, int zh, int huge, long npools, struct sender *s)
{
    uint64_t pool = huge ? 0 : 1 + mix(ck ^ 0x9001) % (uint64_t)npools;
    uint64_t ph = mix(pool * 0x2545f4914f6cdd1dULL + 77);
    long size = huge ? 60000 : r < 100 ? 2000 + (long)(ph % 8000) : 3 + (long)(ph % 120);
    uint64_t member = (uint64_t)(rnd() % (uint64_t)size);
    uint64_t h = mix(pool << 24 ^ member ^ 0x5e4de7);
    unsigned kind = zh ? (ph % 100 < 92 ? 0 : 3) : (unsigned)(ph % 100);
    memset(s, 0, sizeof *s);
    s->channel = "sms";
    if (rnd() % 100 < 2) { /* the reporter left the sender out */
        s->kind = "unknown";
        return;
    }
    if (huge || kind < 72) {
        static const char *const cc[] = {"US", "US", "US", "US", "US", "US", "US",
                                         "US", "US", "US", "US", "US", "US", "US",
                                         "GB", "CA", "IN", "PH", "MX", "US"};
        s->place = phone(h,
                         zh     ? "CN"
                         : huge ? "US"
                                : cc[ph % 20],
                         s->value, s->raw, sizeof s->value);
        s->kind = "phone";
        if (rnd() % 20 == 0)
            s->channel = "rcs";
    } else if (kind < 80) {
        snprintf(s->value, sizeof s->value, "%llu", 20000ULL + (h % 3) * 11111 + ph % 70000);
        snprintf(s->raw, sizeof s->raw, "%s", s->value);
        s->kind = "short_code";
    } else if (kind < 84) {
        static const char *const an[] = {"PROMO", "ALERT", "INFO", "NOTICE", "BANK", "DELIVERY"};
        snprintf(s->value, sizeof s->value, "%s%llu", an[ph % 6], (unsigned long long)(h % 90));
        snprintf(s->raw, sizeof s->raw, "%s", s->value);
        s->kind = "alphanumeric";
    } else {
        static const char *const mail[] = {"gmail.com",   "icloud.com", "yahoo.com", "outlook.com",
                                           "hotmail.com", "me.com",     "aol.com",   "qq.com"};
        char id[12];
        base36(h >> 8, 8, id);
        snprintf(s->value, sizeof s->value, "%s.%s%u@%s", kind < 92 ? "info" : "apple", id,
                 (unsigned)(h % 1000), mail[(h >> 40) % (zh ? 8 : 7)]);
        snprintf(s->raw, sizeof s->raw, "%s", s->value);
        s->kind = "email";
        s->channel = "imessage";
    }
}

/* Appends src to dst[0..cap) at *o. */
static void
put(char *dst, size_t cap, size_t *o, const char *src)
{
    size_t n = strlen(src);
    if (*o + n + 1 > cap)
        n = cap - 1 - *o;
    memcpy(dst + *o, src, n);
    *o += n;
    dst[*o] = '\0';
}

/* Fills the placeholders of t with campaign ck's values into out. */
static void
fill(const char *t, uint64_t ck, int zh, unsigned ndomains, char *out, size_t cap, size_t *o)
{
    char v[160], dom[96], num[64], raw[64], id[12];
    for (const char *p = t; *p && *o + 1 < cap; p++) {
        if (*p != '{' || !strchr(p, '}')) {
            out[(*o)++] = *p;
            out[*o] = '\0';
            continue;
        }
        char ph = p[1];
        p = strchr(p, '}');
        v[0] = '\0';
        switch (ph) {
        case 'U':
            domain(ck, zh, (unsigned)(rnd() % ndomains), dom, sizeof dom);
            base36(rnd(), 6, id);
            snprintf(v, sizeof v, "%s%s/%s", rnd() % 4 ? "https://" : "", dom, id);
            break;
        case 'E':
            domain(ck, zh, 0, dom, sizeof dom);
            snprintf(v, sizeof v, "service@%s", dom);
            break;
        case 'P':
            phone(mix(ck ^ 0xca11), zh ? "CN" : "US", num, raw, sizeof num);
            snprintf(v, sizeof v, "%s", rnd() % 2 ? raw : num);
            break;
        case 'Q': snprintf(v, sizeof v, "%llu", 10000000ULL + mix(ck ^ 0x99) % 900000000ULL); break;
        case 'W':
            base36(mix(ck ^ 0x3c), 7, id);
            snprintf(v, sizeof v, "wx%s", id);
            break;
        default: break;
        }
        put(out, cap, o, v);
    }
}

/* The text of a campaign: the unordered pair of distinct fragments number r, {i, i + d mod F}
 * with i = r mod F and d = 1 + r / F, d <= (F - 1) / 2 (F odd: every pair exactly once).
 * Two ranks share at most one fragment, under half their shingles, so they stay separate
 * campaigns. Neither whole bases (a base contains its head, which half the pairs holding it
 * would join) nor ordered pairs ((a, b) is (b, a) give or take the joint) nor triples (a
 * triple holds three pairs). */
static void
campaign_text(const struct pool *pl, long r, uint64_t ck, unsigned ndomains, char *out, size_t cap)
{
    size_t o = 0;
    long nf = pl->nfrag;
    long i = r % nf, d = 1 + r / nf;
    out[0] = '\0';
    fill(pl->frag[i], ck, pl->zh, ndomains, out, cap, &o);
    put(out, cap, &o, pl->zh ? "。" : " ");
    fill(pl->frag[(i + d) % nf], ck, pl->zh, ndomains, out, cap, &o);
    if (!strstr(out, "http") && !strchr(out, '/')) { /* every lure carries a link */
        put(out, cap, &o, pl->zh ? " 详情" : " Info: ");
        fill("{U}", ck, pl->zh, ndomains, out, cap, &o);
    }
}

static const char *const huge_text =
    "{B}: You have an outstanding toll of ${A}. To avoid a late fee of $50.00 and a "
    "suspension of your driving privileges, pay by {D}: {U}";
static const char *const huge_brand[] = {"E-ZPass", "EZPass", "E-ZPass NY", "NYC Toll Services",
                                         "The Toll Roads"};

/* Per-copy changes spammers make: codes, opt-out tails, names, case, amounts. */
static void
mutate(const char *in, int zh, char *out, size_t cap)
{
    size_t o = 0;
    char tmp[64];
    unsigned m = (unsigned)rnd();
    if (m % 5 == 0) {
        snprintf(tmp, sizeof tmp, zh ? "【%u】" : "[%04u] ", (unsigned)(rnd() % 10000));
        put(out, cap, &o, tmp);
    }
    int flip = !zh && (m >> 3) % 10 == 0, digits = (m >> 7) % 3 == 0, inurl = 0;
    int amount = 0; /* in a code or amount (after $ £ # or a letter, <= 4 digits): mutable */
    for (const char *p = in; *p && o + 1 < cap; p++) {
        char c = *p;
        if (c >= '0' && c <= '9' && (p == in || p[-1] < '0' || p[-1] > '9'))
            amount = p > in && strspn(p, "0123456789") <= 4 &&
                     (strchr("$#", p[-1]) || ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z') ||
                      (p > in + 1 && !strncmp(p - 2, "£", 2)));
        if (c == ' ')
            inurl = 0;
        else if (!strncmp(p, "http", 4) ||
                 (p > in && p[-1] == ' ' && strchr(p, '.') && strchr(p, '.') < p + strcspn(p, " ")))
            inurl = 1;
        if (!inurl && flip && c >= 'a' && c <= 'z' && rnd() % 7 == 0)
            c = (char)(c - 32);
        if (!inurl && digits && amount && c >= '0' && c <= '9' && rnd() % 3 == 0)
            c = (char)('0' + rnd() % 10);
        out[o++] = c;
    }
    out[o] = '\0';
    switch ((m >> 12) % 8) {
    case 0: put(out, cap, &o, zh ? " 回T退订" : " Reply STOP to opt out"); break;
    case 1: put(out, cap, &o, zh ? " 拒收请回复R" : " txt STOP to end"); break;
    case 2:
        snprintf(tmp, sizeof tmp, " %c%c%u", 'a' + (int)(rnd() % 26), 'a' + (int)(rnd() % 26),
                 (unsigned)(rnd() % 1000));
        put(out, cap, &o, tmp);
        break;
    default: break;
    }
}

/* ---- main -------------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: seed_gen BASES N CAMPAIGNS NOW_EPOCH FIRST LAST > rows.copy\n");
        return 2;
    }
    long n = atol(argv[2]), target = atol(argv[3]), first = atol(argv[5]), last = atol(argv[6]);
    long long now_us = atoll(argv[4]) * 1000000LL;
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char line[16384];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strncmp(line, "en\tspam\t", 8))
            pool_add(&g_en, line + 8);
        else if (!strncmp(line, "zh\tspam\t", 8))
            pool_add(&g_zh, line + 8);
        else if (!strncmp(line, "en\tham\t", 7))
            pool_add(&g_ham, line + 7);
    }
    fclose(f);
    if (g_en.n < 2 || g_zh.n < 2 || g_ham.n < 1) {
        fprintf(stderr, "seed_gen: %s has too few bases\n", argv[1]);
        return 1;
    }
    g_zh.zh = 1;
    /* SEED_EN_BASES=K keeps the first K English bases: a small load then draws its pairs as
     * densely as the full one, to check how many campaigns the worker keeps apart. */
    const char *kb = getenv("SEED_EN_BASES");
    while (kb && atol(kb) >= 2 && g_en.n > atol(kb))
        free(g_en.text[--g_en.n]);
    pool_prepare(&g_en);
    pool_prepare(&g_zh);
    if (g_en.nfrag < 3 || g_zh.nfrag < 3) {
        fprintf(stderr, "seed_gen: %s has too few usable bases\n", argv[1]);
        return 1;
    }

    /* Places: weights, reporters per city, the huge campaign's shares. */
    double us = 0, cn = 0;
    for (size_t i = 0; i < NCITIES; i++) {
        double w = cities[i].pop * country_rate(cities[i].cc);
        city_total += w;
        city_cum[i] = city_total;
        if (!strcmp(cities[i].cc, "US"))
            us += w;
        if (!strcmp(cities[i].cc, "CN"))
            cn += w;
        if (!strcmp(cities[i].name, "New York"))
            city_ny = (int)i;
    }
    for (size_t i = 0; i < NCITIES; i++) {
        double w = cities[i].pop * country_rate(cities[i].cc) / city_total;
        city_reporters[i] = 50 + (long)(w * (double)n * 0.35);
    }
    double ny = cities[city_ny].pop / us; /* New York's share of US reports */
    p_huge_ny = 0.45;
    p_huge_us = (0.30 - 0.45 * ny) / (1.0 - ny);

    /* Draws per language and the Zipf range giving the campaign target. */
    double share_us = us / city_total, share_cn = cn / city_total;
    double spam = (double)n * (1000 - HAM_PER_MILLE) / 1000.0;
    double huge = (double)n * share_us * 0.30;
    double zh_draws = spam * share_cn * 0.85 + spam * (1 - share_cn) * 0.005;
    double en_draws = spam - huge - zh_draws;
    double camp = (double)target - (double)g_ham.n / 4;
    /* Ranks stop at the unordered pairs of fragments, F(F-1)/2 (see campaign_text). Chinese has
     * few bases, so its campaigns are fewer and bigger; English makes up the rest. */
    long cap_en = g_en.nfrag * (g_en.nfrag - 1) / 2, cap_zh = g_zh.nfrag * (g_zh.nfrag - 1) / 2;
    g_zh.s = g_en.s = ZIPF_S;
    g_zh.t = calibrate(zh_draws, camp * zh_draws / (en_draws + zh_draws), 1);
    if (g_zh.t > cap_zh)
        g_zh.t = cap_zh;
    double zh_camps = expected_distinct(zh_draws, g_zh.t, g_zh.s, 1);
    g_en.t = calibrate(en_draws, camp - zh_camps, 0);
    if (g_en.t > cap_en) {
        g_en.t = cap_en;
        /* The ranks cannot grow: draw them more evenly instead (not below s = 0.5). */
        while (g_en.s > 0.505 && expected_distinct(en_draws, g_en.t, g_en.s, 0) < camp - zh_camps)
            g_en.s -= 0.01;
    }
    double expect = expected_distinct(en_draws, g_en.t, g_en.s, 0) + zh_camps;
    long npools = target / 4 > 1000 ? target / 4 : 1000;
    if (first == 0) {
        printf("calibration: %ld reports, %.0f%% US, %.0f%% CN; %ld English bases (%ld fragments), "
               "ranks %ld of %ld for %.0f draws (Zipf s %.2f); %ld Chinese bases (%ld fragments), "
               "ranks %ld for %.0f draws; expected %.0f spam campaigns + ham; huge campaign %.0f "
               "reports; %ld sender pools; %zu cities\n",
               n, 100 * share_us, 100 * share_cn, g_en.n, g_en.nfrag, g_en.t, cap_en, en_draws,
               g_en.s, g_zh.n, g_zh.nfrag, g_zh.t, zh_draws, expect, huge, npools, NCITIES);
        return 0;
    }

    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    char text[4096], content[4096], place[160], cityv[160];
    unsigned char sig[SGW_MINHASH_BYTES];
    long long span_us = (long long)DAYS * 86400 * 1000000LL;

    for (long id = first; id <= last; id++) {
        g_state = mix((uint64_t)id * 0x632be59bd9b4e019ULL);
        /* Daily volume grows 3x over the window: the inverse of time_cdf. */
        double u = ((double)id - 0.5) / (double)n;
        double fr = (-1.0 + sqrt(1.0 + 8.0 * u)) / 2.0;
        long long at = now_us - span_us + (long long)(fr * (double)span_us);

        int c = pick_city();
        const struct city *ci = &cities[c];
        int is_cn = !strcmp(ci->cc, "CN"), is_us = !strcmp(ci->cc, "US");
        int ham = rnd() % 1000 < HAM_PER_MILLE, zh = 0, is_huge = 0;
        long r = 0;
        uint64_t ck = 0;
        unsigned ndomains = 1;
        if (ham) {
            const char *h = g_ham.text[rnd() % (uint64_t)g_ham.n];
            snprintf(text, sizeof text, "%s %u", h, (unsigned)(rnd() % 100000));
        } else {
            double ph = c == city_ny ? p_huge_ny : p_huge_us;
            if (is_us && unif() < ph * (0.5 + fr) / 1.0833) {
                is_huge = 1;
                r = HUGE_RANK;
                ck = ckey(0, r);
                char amount[16], date[32], fill_in[512];
                snprintf(amount, sizeof amount, "%u.%02u", 3 + (unsigned)(rnd() % 9),
                         (unsigned)(rnd() % 100));
                time_t due = (time_t)(at / 1000000 + 86400 * (1 + (long)(rnd() % 3)));
                struct tm tm;
                gmtime_r(&due, &tm);
                strftime(date, sizeof date, "%m/%d/%Y", &tm);
                size_t o = 0;
                fill_in[0] = '\0';
                for (const char *p = huge_text; *p; p++) {
                    if (p[0] == '{' && p[2] == '}') {
                        const char *v = p[1] == 'B'   ? huge_brand[rnd() % 5]
                                        : p[1] == 'A' ? amount
                                        : p[1] == 'D' ? date
                                                      : "{U}";
                        put(fill_in, sizeof fill_in, &o, v);
                        p += 2;
                    } else if (o + 1 < sizeof fill_in) {
                        fill_in[o++] = *p;
                        fill_in[o] = '\0';
                    }
                }
                o = 0;
                fill(fill_in, ck, 0, 40, text, sizeof text, &o);
            } else {
                zh = is_cn ? rnd() % 100 < 85 : rnd() % 1000 < 5;
                struct pool *pl = zh ? &g_zh : &g_en;
                for (int tries = 0; tries < 24; tries++) {
                    r = zipf_rank(pl->t, pl->s);
                    if (active(r, zh, fr))
                        break;
                }
                ck = ckey(zh, r);
                ndomains = r < 5000 ? 1 + (unsigned)(ck % 4) : 1;
                campaign_text(pl, r, ck, ndomains, text, sizeof text);
            }
        }
        mutate(text, zh, content, sizeof content);

        struct sender s;
        if (ham) {
            memset(&s, 0, sizeof s);
            s.channel = "sms";
            s.kind = "phone";
            s.place = phone(rnd(), is_cn ? "CN" : "US", s.value, s.raw, sizeof s.value);
        } else {
            sender_pick(ck, r, zh, is_huge, npools, &s);
        }

        /* The place: as the app sent it, else only the reporter number's geocode, or none. */
        unsigned pm = (unsigned)(rnd() % 100);
        cityv[0] = place[0] = '\0';
        if (pm < 85 && (is_cn || c < 40)) /* spellings the canonical tables know */
            variant(ci->variants, (unsigned)rnd(), cityv, sizeof cityv);
        else if (pm < 85 && is_us) /* elsewhere "City, ST" keeps one key per city */
            snprintf(cityv, sizeof cityv, "%s, %s", ci->name, ci->region);
        else if (pm < 85)
            snprintf(cityv, sizeof cityv, "%s", ci->name);
        else if (pm < 97 && is_us)
            snprintf(place, sizeof place, "%s, %s", ci->name, ci->region);
        else if (pm < 97 && is_cn)
            snprintf(place, sizeof place, "%s, %s", ci->name, ci->region);
        else if (pm < 97)
            snprintf(place, sizeof place, "%s", ci->name);

        /* The reporter: one of the city's, a few of them reporting a lot. */
        long nr = city_reporters[c];
        uint64_t who = rnd() % 10 == 0 ? rnd() % (uint64_t)(nr / 100 + 1) : rnd() % (uint64_t)nr;
        uint64_t rk = mix(((uint64_t)c << 40) ^ who ^ 0x7e9);

        struct sgw_features feat;
        memset(&feat, 0, sizeof feat);
        sgw_features_compute(content, strlen(content), ci->cc, &feat);
        sgw_features_signature_bytes(&feat, sig);
        char *tags = sgw_features_tags_pg_array(&feat);

        printf("%ld\t", id);
        copy_time_us(stdout, at);
        printf("\t%s\t", s.channel);
        if (s.value[0]) {
            copy_text(stdout, s.raw);
            fputc('\t', stdout);
            copy_text(stdout, s.value);
        } else {
            fputs("\\N\t\\N", stdout);
        }
        printf("\t%s\t", s.kind);
        copy_text(stdout, content);
        fputc('\t', stdout);
        if (cityv[0])
            copy_text(stdout, cityv);
        else
            fputs("\\N", stdout);
        printf("\t%s\t%016llx%016llx%016llx%016llx\tapi\t", ci->cc, (unsigned long long)rk,
               (unsigned long long)mix(rk + 1), (unsigned long long)mix(rk + 2),
               (unsigned long long)mix(rk + 3));
        copy_bytea(stdout, sig, SGW_MINHASH_BYTES);
        fputc('\t', stdout);
        copy_text(stdout, tags ? tags : "{}");
        fputc('\t', stdout);
        if (place[0])
            copy_text(stdout, place);
        else
            fputs("\\N", stdout);
        fputc('\t', stdout);
        if (s.place)
            copy_text(stdout, s.place);
        else
            fputs("\\N", stdout);
        fputc('\n', stdout);
        free(tags);
        sgw_features_fini(&feat);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
