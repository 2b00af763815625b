/* City canonicalisation from compiled-in tables: the 40 largest US metros' principal cities and
 * the 40 largest Chinese cities, with US states and Chinese provinces for region-only answers
 * (libphonenumber often gives only "California"). Names are compared after a light folding
 * (ASCII lower case, punctuation and spaces dropped, 市/省 suffixes dropped), so it must never
 * depend on the locale or allocate. Unknown places still get a stable key from their folded
 * name, so they are counted, just not joined with their spelling variants. */
#include "gateway/cluster/city.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct region_row {
    const char *cc, *code, *en, *zh;
};

struct city_row {
    const char *cc, *region, *slug, *en, *zh;
    const char *aliases; /* extra folded spellings, '|'-separated */
};

static const struct region_row regions[] = {
    {"US", "AL", "Alabama", NULL},
    {"US", "AK", "Alaska", NULL},
    {"US", "AZ", "Arizona", NULL},
    {"US", "AR", "Arkansas", NULL},
    {"US", "CA", "California", NULL},
    {"US", "CO", "Colorado", NULL},
    {"US", "CT", "Connecticut", NULL},
    {"US", "DE", "Delaware", NULL},
    {"US", "DC", "District of Columbia", NULL},
    {"US", "FL", "Florida", NULL},
    {"US", "GA", "Georgia", NULL},
    {"US", "HI", "Hawaii", NULL},
    {"US", "ID", "Idaho", NULL},
    {"US", "IL", "Illinois", NULL},
    {"US", "IN", "Indiana", NULL},
    {"US", "IA", "Iowa", NULL},
    {"US", "KS", "Kansas", NULL},
    {"US", "KY", "Kentucky", NULL},
    {"US", "LA", "Louisiana", NULL},
    {"US", "ME", "Maine", NULL},
    {"US", "MD", "Maryland", NULL},
    {"US", "MA", "Massachusetts", NULL},
    {"US", "MI", "Michigan", NULL},
    {"US", "MN", "Minnesota", NULL},
    {"US", "MS", "Mississippi", NULL},
    {"US", "MO", "Missouri", NULL},
    {"US", "MT", "Montana", NULL},
    {"US", "NE", "Nebraska", NULL},
    {"US", "NV", "Nevada", NULL},
    {"US", "NH", "New Hampshire", NULL},
    {"US", "NJ", "New Jersey", NULL},
    {"US", "NM", "New Mexico", NULL},
    {"US", "NY", "New York", NULL},
    {"US", "NC", "North Carolina", NULL},
    {"US", "ND", "North Dakota", NULL},
    {"US", "OH", "Ohio", NULL},
    {"US", "OK", "Oklahoma", NULL},
    {"US", "OR", "Oregon", NULL},
    {"US", "PA", "Pennsylvania", NULL},
    {"US", "RI", "Rhode Island", NULL},
    {"US", "SC", "South Carolina", NULL},
    {"US", "SD", "South Dakota", NULL},
    {"US", "TN", "Tennessee", NULL},
    {"US", "TX", "Texas", NULL},
    {"US", "UT", "Utah", NULL},
    {"US", "VT", "Vermont", NULL},
    {"US", "VA", "Virginia", NULL},
    {"US", "WA", "Washington", NULL},
    {"US", "WV", "West Virginia", NULL},
    {"US", "WI", "Wisconsin", NULL},
    {"US", "WY", "Wyoming", NULL},
    {"US", "PR", "Puerto Rico", NULL},
    {"CN", "AH", "Anhui", "安徽"},
    {"CN", "BJ", "Beijing", "北京"},
    {"CN", "CQ", "Chongqing", "重庆"},
    {"CN", "FJ", "Fujian", "福建"},
    {"CN", "GS", "Gansu", "甘肃"},
    {"CN", "GD", "Guangdong", "广东"},
    {"CN", "GX", "Guangxi", "广西"},
    {"CN", "GZ", "Guizhou", "贵州"},
    {"CN", "HI", "Hainan", "海南"},
    {"CN", "HE", "Hebei", "河北"},
    {"CN", "HL", "Heilongjiang", "黑龙江"},
    {"CN", "HA", "Henan", "河南"},
    {"CN", "HB", "Hubei", "湖北"},
    {"CN", "HN", "Hunan", "湖南"},
    {"CN", "JS", "Jiangsu", "江苏"},
    {"CN", "JX", "Jiangxi", "江西"},
    {"CN", "JL", "Jilin", "吉林"},
    {"CN", "LN", "Liaoning", "辽宁"},
    {"CN", "NM", "Inner Mongolia", "内蒙古"},
    {"CN", "NX", "Ningxia", "宁夏"},
    {"CN", "QH", "Qinghai", "青海"},
    {"CN", "SN", "Shaanxi", "陕西"},
    {"CN", "SD", "Shandong", "山东"},
    {"CN", "SH", "Shanghai", "上海"},
    {"CN", "SX", "Shanxi", "山西"},
    {"CN", "SC", "Sichuan", "四川"},
    {"CN", "TJ", "Tianjin", "天津"},
    {"CN", "XJ", "Xinjiang", "新疆"},
    {"CN", "XZ", "Tibet", "西藏"},
    {"CN", "YN", "Yunnan", "云南"},
    {"CN", "ZJ", "Zhejiang", "浙江"},
    {"CN", "HK", "Hong Kong", "香港"},
    {"CN", "MO", "Macau", "澳门"},
    {"CN", "TW", "Taiwan", "台湾"},
};
#define NREGIONS (sizeof regions / sizeof regions[0])

static const struct city_row cities[] = {
    {"US", "NY", "new-york", "New York", NULL,
     "nyc|newyorkcity|manhattan|brooklyn|queens|bronx|thebronx|statenisland|newyorkny"},
    {"US", "CA", "los-angeles", "Los Angeles", NULL, "la|losangelesca"},
    {"US", "IL", "chicago", "Chicago", NULL, NULL},
    {"US", "TX", "dallas", "Dallas", NULL, NULL},
    {"US", "TX", "fort-worth", "Fort Worth", NULL, "ftworth"},
    {"US", "TX", "houston", "Houston", NULL, NULL},
    {"US", "DC", "washington", "Washington", NULL, "washingtondc|dc"},
    {"US", "PA", "philadelphia", "Philadelphia", NULL, "philly"},
    {"US", "FL", "miami", "Miami", NULL, NULL},
    {"US", "GA", "atlanta", "Atlanta", NULL, NULL},
    {"US", "MA", "boston", "Boston", NULL, NULL},
    {"US", "AZ", "phoenix", "Phoenix", NULL, NULL},
    {"US", "CA", "san-francisco", "San Francisco", NULL, "sf"},
    {"US", "CA", "oakland", "Oakland", NULL, NULL},
    {"US", "CA", "riverside", "Riverside", NULL, NULL},
    {"US", "MI", "detroit", "Detroit", NULL, NULL},
    {"US", "WA", "seattle", "Seattle", NULL, NULL},
    {"US", "MN", "minneapolis", "Minneapolis", NULL, NULL},
    {"US", "CA", "san-diego", "San Diego", NULL, NULL},
    {"US", "FL", "tampa", "Tampa", NULL, NULL},
    {"US", "CO", "denver", "Denver", NULL, NULL},
    {"US", "MD", "baltimore", "Baltimore", NULL, NULL},
    {"US", "MO", "st-louis", "St. Louis", NULL, "saintlouis"},
    {"US", "FL", "orlando", "Orlando", NULL, NULL},
    {"US", "NC", "charlotte", "Charlotte", NULL, NULL},
    {"US", "TX", "san-antonio", "San Antonio", NULL, NULL},
    {"US", "OR", "portland", "Portland", NULL, NULL},
    {"US", "CA", "sacramento", "Sacramento", NULL, NULL},
    {"US", "PA", "pittsburgh", "Pittsburgh", NULL, NULL},
    {"US", "TX", "austin", "Austin", NULL, NULL},
    {"US", "NV", "las-vegas", "Las Vegas", NULL, "vegas"},
    {"US", "OH", "cincinnati", "Cincinnati", NULL, NULL},
    {"US", "MO", "kansas-city", "Kansas City", NULL, NULL},
    {"US", "OH", "columbus", "Columbus", NULL, NULL},
    {"US", "IN", "indianapolis", "Indianapolis", NULL, NULL},
    {"US", "OH", "cleveland", "Cleveland", NULL, NULL},
    {"US", "CA", "san-jose", "San Jose", NULL, NULL},
    {"US", "TN", "nashville", "Nashville", NULL, NULL},
    {"US", "FL", "jacksonville", "Jacksonville", NULL, NULL},
    {"US", "VA", "virginia-beach", "Virginia Beach", NULL, NULL},
    {"CN", "SH", "shanghai", "Shanghai", "上海", NULL},
    {"CN", "BJ", "beijing", "Beijing", "北京", "peking"},
    {"CN", "CQ", "chongqing", "Chongqing", "重庆", NULL},
    {"CN", "TJ", "tianjin", "Tianjin", "天津", NULL},
    {"CN", "GD", "guangzhou", "Guangzhou", "广州", "canton"},
    {"CN", "GD", "shenzhen", "Shenzhen", "深圳", NULL},
    {"CN", "SC", "chengdu", "Chengdu", "成都", NULL},
    {"CN", "JS", "nanjing", "Nanjing", "南京", NULL},
    {"CN", "HB", "wuhan", "Wuhan", "武汉", NULL},
    {"CN", "SN", "xian", "Xi'an", "西安", NULL},
    {"CN", "ZJ", "hangzhou", "Hangzhou", "杭州", NULL},
    {"CN", "GD", "dongguan", "Dongguan", "东莞", NULL},
    {"CN", "GD", "foshan", "Foshan", "佛山", NULL},
    {"CN", "LN", "shenyang", "Shenyang", "沈阳", NULL},
    {"CN", "HL", "harbin", "Harbin", "哈尔滨", NULL},
    {"CN", "SD", "qingdao", "Qingdao", "青岛", NULL},
    {"CN", "LN", "dalian", "Dalian", "大连", NULL},
    {"CN", "SD", "jinan", "Jinan", "济南", NULL},
    {"CN", "HA", "zhengzhou", "Zhengzhou", "郑州", NULL},
    {"CN", "HN", "changsha", "Changsha", "长沙", NULL},
    {"CN", "YN", "kunming", "Kunming", "昆明", NULL},
    {"CN", "JS", "suzhou", "Suzhou", "苏州", NULL},
    {"CN", "GD", "shantou", "Shantou", "汕头", NULL},
    {"CN", "AH", "hefei", "Hefei", "合肥", NULL},
    {"CN", "HE", "shijiazhuang", "Shijiazhuang", "石家庄", NULL},
    {"CN", "ZJ", "ningbo", "Ningbo", "宁波", NULL},
    {"CN", "SX", "taiyuan", "Taiyuan", "太原", NULL},
    {"CN", "GX", "nanning", "Nanning", "南宁", NULL},
    {"CN", "FJ", "xiamen", "Xiamen", "厦门", "amoy"},
    {"CN", "FJ", "fuzhou", "Fuzhou", "福州", NULL},
    {"CN", "JL", "changchun", "Changchun", "长春", NULL},
    {"CN", "JS", "wuxi", "Wuxi", "无锡", NULL},
    {"CN", "XJ", "urumqi", "Urumqi", "乌鲁木齐", NULL},
    {"CN", "JX", "nanchang", "Nanchang", "南昌", NULL},
    {"CN", "GZ", "guiyang", "Guiyang", "贵阳", NULL},
    {"CN", "GS", "lanzhou", "Lanzhou", "兰州", NULL},
    {"CN", "NM", "hohhot", "Hohhot", "呼和浩特", NULL},
    {"CN", "GD", "zhuhai", "Zhuhai", "珠海", NULL},
    {"CN", "JS", "xuzhou", "Xuzhou", "徐州", NULL},
    {"CN", "ZJ", "wenzhou", "Wenzhou", "温州", NULL},
    {"CN", "HK", "hong-kong", "Hong Kong", "香港", "hongkong"},
};
#define NCITIES (sizeof cities / sizeof cities[0])

#define FOLD_MAX 128

/* Folding: ASCII letters lower-cased, ASCII digits kept, other ASCII dropped (spaces, dots,
 * apostrophes, hyphens), non-ASCII bytes kept as they are (Chinese names compare byte-wise). */
/* Length of s[0..n) without a trailing incomplete UTF-8 sequence, so a cut text stays valid
 * (keys go into PostgreSQL text columns). */
static size_t
utf8_cut(const char *s, size_t n)
{
    size_t i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return 0;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return (n - (i - 1) >= need) ? n : i - 1;
}

static void
fold(const char *s, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < FOLD_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            out[n++] = (char)c;
        else if (isalnum(c))
            out[n++] = (char)tolower(c);
    }
    out[utf8_cut(out, n)] = '\0';
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Drops one Chinese administrative suffix (市 city, 省 province, 自治区, 特别行政区). */
static void
strip_zh_suffix(char *f)
{
    static const char *const sfx[] = {"特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区",
                                      "自治区",     "市",         "省"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        if (ends_with(f, sfx[i]) && strlen(f) > strlen(sfx[i])) {
            f[strlen(f) - strlen(sfx[i])] = '\0';
            return;
        }
    }
}

static int
country_ok(const char *want, const char *cc)
{
    return want == NULL || want[0] == '\0' || strcmp(want, cc) == 0;
}

static int
alias_match(const char *aliases, const char *f)
{
    size_t fl = strlen(f);
    for (const char *p = aliases; p && *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == fl && memcmp(p, f, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* f is folded and stripped. Matches English name, Chinese name, aliases. */
static const struct city_row *
find_city(const char *f, const char *country, const char *region)
{
    char en[FOLD_MAX], zh[FOLD_MAX];
    if (f[0] == '\0')
        return NULL;
    for (size_t i = 0; i < NCITIES; i++) {
        const struct city_row *c = &cities[i];
        if (!country_ok(country, c->cc) || (region && strcmp(region, c->region) != 0))
            continue;
        fold(c->en, strlen(c->en), en);
        if (strcmp(en, f) == 0 || alias_match(c->aliases, f))
            return c;
        if (c->zh) {
            fold(c->zh, strlen(c->zh), zh);
            if (strcmp(zh, f) == 0)
                return c;
        }
    }
    return NULL;
}

static const struct region_row *
find_region(const char *f, const char *country)
{
    char en[FOLD_MAX], zh[FOLD_MAX];
    if (f[0] == '\0')
        return NULL;
    for (size_t i = 0; i < NREGIONS; i++) {
        const struct region_row *r = &regions[i];
        if (!country_ok(country, r->cc))
            continue;
        fold(r->en, strlen(r->en), en);
        char code[4] = {(char)tolower((unsigned char)r->code[0]),
                        (char)tolower((unsigned char)r->code[1]), 0, 0};
        /* Two-letter codes only for US states: "ny", "ca"; Chinese codes are not written. */
        if (strcmp(en, f) == 0 || (strcmp(r->cc, "US") == 0 && strcmp(code, f) == 0))
            return r;
        if (r->zh) {
            fold(r->zh, strlen(r->zh), zh);
            if (strcmp(zh, f) == 0)
                return r;
        }
    }
    return NULL;
}

static void
fill_city(const struct city_row *c, struct sgw_city *out)
{
    snprintf(out->country, sizeof out->country, "%s", c->cc);
    snprintf(out->region, sizeof out->region, "%s", c->region);
    snprintf(out->city, sizeof out->city, "%s", c->slug);
    snprintf(out->key, sizeof out->key, "%s/%s/%s", c->cc, c->region, c->slug);
    if (c->zh)
        snprintf(out->name, sizeof out->name, "%s (%s)", c->en, c->zh);
    else
        snprintf(out->name, sizeof out->name, "%s, %s", c->en, c->region);
}

static void
fill_region(const struct region_row *r, struct sgw_city *out)
{
    snprintf(out->country, sizeof out->country, "%s", r->cc);
    snprintf(out->region, sizeof out->region, "%s", r->code);
    out->city[0] = '\0';
    snprintf(out->key, sizeof out->key, "%s/%s", r->cc, r->code);
    if (r->zh)
        snprintf(out->name, sizeof out->name, "%s (%s)", r->en, r->zh);
    else
        snprintf(out->name, sizeof out->name, "%s", r->en);
}

/* Folded text with a Chinese province prefix removed when a city follows (广东省深圳市). */
static const struct city_row *
find_zh_prefixed(const char *f, const char *country)
{
    char zh[FOLD_MAX];
    for (size_t i = 0; i < NREGIONS; i++) {
        const struct region_row *r = &regions[i];
        if (r->zh == NULL || !country_ok(country, r->cc))
            continue;
        fold(r->zh, strlen(r->zh), zh);
        size_t n = strlen(zh);
        if (strncmp(f, zh, n) != 0 || f[n] == '\0')
            continue;
        char rest[FOLD_MAX];
        const char *p = f + n;
        if (strncmp(p, "省", strlen("省")) == 0)
            p += strlen("省");
        snprintf(rest, sizeof rest, "%s", p);
        strip_zh_suffix(rest);
        const struct city_row *c = find_city(rest, r->cc, r->code);
        if (c)
            return c;
    }
    return NULL;
}

int
sgw_city_parse(const char *text, const char *country, struct sgw_city *out)
{
    char f[FOLD_MAX], city_part[FOLD_MAX], region_part[FOLD_MAX];
    const struct city_row *c;
    const struct region_row *r;

    memset(out, 0, sizeof *out);
    if (text == NULL)
        return -1;
    if (country && (strlen(country) != 2 || country[0] == '\0'))
        country = NULL;
    size_t len = strlen(text);
    fold(text, len, f);
    strip_zh_suffix(f);
    if (f[0] == '\0')
        return -1;

    /* 1. The whole text names a city or a region ("NYC", "深圳市", "California"). */
    if ((c = find_city(f, country, NULL)) != NULL || (c = find_zh_prefixed(f, country)) != NULL) {
        fill_city(c, out);
        return 0;
    }
    if ((r = find_region(f, country)) != NULL) {
        fill_region(r, out);
        return 0;
    }

    /* 2. "City, Region[, Country]" ("New York, NY", "Shenzhen, Guangdong"). */
    const char *comma = strchr(text, ',');
    if (comma == NULL) {
        /* "new york ny": the last word may be a state code. */
        const char *sp = strrchr(text, ' ');
        if (sp && strlen(sp + 1) == 2)
            comma = sp;
    }
    if (comma != NULL) {
        const char *rs = comma + 1, *re = strchr(rs, ',');
        fold(text, (size_t)(comma - text), city_part);
        strip_zh_suffix(city_part);
        fold(rs, re ? (size_t)(re - rs) : strlen(rs), region_part);
        strip_zh_suffix(region_part);
        r = find_region(region_part, country);
        if (r != NULL) {
            if ((c = find_city(city_part, r->cc, r->code)) != NULL) {
                fill_city(c, out);
                return 0;
            }
            /* A city we have no row for, in a known region: keyed by region and name. */
            if (city_part[0] != '\0') {
                size_t n = 0;
                snprintf(out->country, sizeof out->country, "%s", r->cc);
                snprintf(out->region, sizeof out->region, "%s", r->code);
                for (const char *p = text; p < comma && n + 1 < sizeof out->city; p++) {
                    unsigned char ch = (unsigned char)*p;
                    if (isalnum(ch) || ch >= 0x80)
                        out->city[n++] = (char)(ch < 0x80 ? tolower(ch) : ch);
                    else if (n > 0 && out->city[n - 1] != '-')
                        out->city[n++] = '-';
                }
                n = utf8_cut(out->city, n);
                while (n > 0 && out->city[n - 1] == '-')
                    n--;
                out->city[n] = '\0';
                snprintf(out->key, sizeof out->key, "%s/%s/%s", r->cc, r->code, out->city);
                size_t nl = (size_t)(comma - text);
                if (nl > sizeof out->name - 8)
                    nl = utf8_cut(text, sizeof out->name - 8);
                snprintf(out->name, sizeof out->name, "%.*s, %s", (int)nl, text, r->code);
                return 0;
            }
            fill_region(r, out);
            return 0;
        }
    }

    /* 3. Unknown: a stable key from the folded text, under the report's country. */
    snprintf(out->country, sizeof out->country, "%s", country ? country : "ZZ");
    out->region[0] = '\0';
    snprintf(out->city, sizeof out->city, "%s", f);
    snprintf(out->key, sizeof out->key, "%s//%s", out->country, out->city);
    /* The display name is the text as given, trimmed and cut to fit. */
    while (*text == ' ')
        text++;
    len = strlen(text);
    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len >= sizeof out->name)
        len = sizeof out->name - 1;
    len = utf8_cut(text, len);
    memcpy(out->name, text, len);
    out->name[len] = '\0';
    return 0;
}

int
sgw_city_canonical(const char *given, const char *geocode, const char *country,
                   struct sgw_city *out)
{
    if (given && sgw_city_parse(given, country, out) == 0)
        return 0;
    if (geocode && sgw_city_parse(geocode, country, out) == 0)
        return 0;
    memset(out, 0, sizeof *out);
    return -1;
}
