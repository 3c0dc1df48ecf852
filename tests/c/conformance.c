/*
 * The conformance table (the JSON files of tests/conformance, SPEC §18) run through the C
 * library. tests/c/conformance.py turns the rows into conformance_rows.h at test
 * time; scripts/test-c builds this file with it and runs it under the sanitizers.
 * Prints one line per failing row and, last, "conformance: N passed, N failed".
 *
 * What the C API cannot observe is not checked here (a policy's site; the names
 * of the Set-Cookie headers the filter drops, which it lists by place; which
 * consent cookie of a Cookie header arrived is told by the categories' status and
 * the state's record, where the rows' cookies differ in them): the C answer to
 * those rows is their result code and what can be asked of a state.
 */
#include <samtykke.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *action;
    int64_t at;
    uint32_t notice;
    uint32_t control;
    bool gpc;
    int ncat; /* -1: absent (every consent category) */
    const char *cat[16];
    int nprov;
    const char *prov[16];
} cf_event;

typedef struct {
    const char *key, *value;
} cf_kv;

typedef struct {
    const char *name, *file, *type;
    uint32_t code;
    const char *policy_path; /* a file, read at run time */
    const char *policy;
    size_t policy_len;
    const char *consent_id;
    int ngiven;
    cf_event given[8];
    bool has_event;
    cf_event event;
    int64_t now;
    int recorded, prompt_due, notice_version; /* -1: not asked */
    int nstatus;
    cf_kv status[16];
    int npermits;
    cf_kv permits[16];
    const char *path;
    int ncats;
    const char *cats[16];
    const char *value;
    size_t value_len;
    const char *key;
    size_t key_len;
    const char *header;
    size_t header_len;
    int npairs;
    cf_kv pairs[16];
    bool has_site_keys; /* consent_cookie_header: false reads unverified */
    int nsite_keys;     /* the site keys, the first signs */
    const char *site_keys[4];
    size_t site_key_lens[4];
    const char *want_id; /* what samtykke_state_describe gives: NULL, -1, false: not asked */
    int want_decided;
    int64_t want_decided_at;
    int want_partial, want_expires; /* -1: not asked; 0: none; 1: at the time below */
    int64_t want_partial_at, want_expires_at;
    int want_revision;
    bool ask_action, ask_control;
    const char *want_action, *want_control; /* NULL: no decision recorded */
    int want_gpc;
    int found, key_index; /* -1: not asked */
    const char *set_cookie;
    size_t set_cookie_len;
    const char *kept;
    size_t kept_len;
    const char *dropped; /* set_cookie_filter: "INDEX REASON\n" each, or NULL */
    const char *sent; /* set_cookie_filter: what the judge sends, or NULL when not asked */
    size_t sent_len;
    const char *host;
    size_t host_len;
    const char *cookie_header;
    size_t cookie_header_len;
    int ndel;
    const char *del[32];
    int nkeys;
    cf_kv keys[8];
    int nund;
    const char *und[8][4];
    int signal; /* sec_gpc: -1 when not asked */
    const char *query; /* request_lang */
    size_t query_len;
    const char *accept_language;
    size_t accept_language_len;
    const char *lang; /* request_lang: NULL for none */
    const char *origin_host; /* same_origin */
    size_t origin_host_len;
    const char *origin; /* NULL: no Origin header */
    size_t origin_len;
    const char *fetch_site; /* NULL: no Sec-Fetch-Site header */
    size_t fetch_site_len;
    int same; /* same_origin: -1 when not asked */
    const char *content_type; /* decision_form: NULL: no Content-Type header */
    size_t content_type_len;
    const char *body; /* decision_form */
    size_t body_len;
    const char *action_field;
    size_t action_field_len;
    const char *decision; /* decision_form: the JSON expected, or NULL on an error */
    const char *fault_field; /* decision_form: the field at fault on an error */
    int fault_status;        /* decision_form: the HTTP status of an error */
    int cmp_id; /* iab.json: -1 when not asked */
    int nids;
    uint16_t ids[64];
} cf_row;

#include "conformance_rows.h"

static const cf_row *row;
static int faults;

/* The row's policy text: inline, or its file (read once per row). */
static char *file_text;
static const char *policy_text(size_t *len) {
    free(file_text);
    file_text = NULL;
    if (row->policy_path == NULL) {
        *len = row->policy_len;
        return row->policy;
    }
    FILE *f = fopen(row->policy_path, "rb");
    size_t cap = 1 << 20;
    file_text = f ? malloc(cap) : NULL;
    *len = file_text ? fread(file_text, 1, cap, f) : 0;
    if (f) {
        fclose(f);
    }
    return file_text ? file_text : "";
}

static void fail(const char *fmt, const char *a, const char *b) {
    if (faults++ == 0) {
        printf("FAILED %s (%s)\n", row->name, row->file);
    }
    printf("  ");
    printf(fmt, a, b);
    printf("\n");
}

static const char *code_text(uint32_t code) {
    static char text[160];
    snprintf(text, sizeof text, "%u %s", (unsigned)code, samtykke_result_message(code));
    return text;
}

static void check_code(samtykke_result got, const char *what) {
    if (got != row->code) {
        char want[160];
        snprintf(want, sizeof want, "%s", code_text(row->code));
        fail("%s: expected %s", what, want);
        fail("  got %s%s", code_text(got), "");
    }
}

static const char *why_name(uint32_t why) {
    for (size_t i = 0; i < sizeof CF_WHY / sizeof CF_WHY[0]; i++) {
        if (CF_WHY[i].value == why) {
            return CF_WHY[i].name;
        }
    }
    return "?";
}

static const char *kind_name(uint32_t kind) {
    for (size_t i = 0; i < sizeof CF_KIND / sizeof CF_KIND[0]; i++) {
        if (CF_KIND[i].value == kind) {
            return CF_KIND[i].name;
        }
    }
    return "?";
}

/* One word for an answer, as the table writes it. */
static const char *word(samtykke_permit pm) {
    if (!pm.declared) {
        return "undeclared";
    }
    if (pm.allowed) {
        return pm.exempt ? "exempt" : "granted";
    }
    return why_name(pm.why);
}

/* Applies an event; `recorded` says whether it made a proof record. */
static samtykke_result apply(const samtykke_policy *p, samtykke_state *s, const cf_event *e,
                             bool *recorded, samtykke_proof *proof) {
    samtykke_proof sentinel;
    memset(&sentinel, 0xa5, sizeof sentinel);
    *proof = sentinel;
    samtykke_result rc;
    const char *a = e->action;
    if (strcmp(a, "signal_gpc") == 0) {
        return samtykke_state_signal_gpc(p, s, e->at, proof, recorded);
    }
    uint32_t chosen = 0;
    for (int i = 0; i < e->ncat; i++) {
        uint32_t bit = 0;
        rc = samtykke_policy_category_bit(p, e->cat[i], strlen(e->cat[i]), &bit);
        if (rc != SAMTYKKE_RESULT_OK) {
            return rc;
        }
        chosen |= bit;
    }
    samtykke_provider_set refused = {{0, 0}};
    for (int i = 0; i < e->nprov; i++) {
        samtykke_provider_set one;
        rc = samtykke_policy_provider_bit(p, e->prov[i], strlen(e->prov[i]), &one);
        if (rc != SAMTYKKE_RESULT_OK) {
            return rc;
        }
        refused.bits[0] |= one.bits[0];
        refused.bits[1] |= one.bits[1];
    }
    if (strcmp(a, "accept_all") == 0) {
        rc = samtykke_state_accept_all(p, s, e->at, e->notice, e->control, e->gpc, proof);
    } else if (strcmp(a, "reject_all") == 0) {
        rc = samtykke_state_reject_all(p, s, e->at, e->notice, e->control, e->gpc, proof);
    } else if (strcmp(a, "save") == 0) {
        rc = samtykke_state_save(p, s, chosen, &refused, e->at, e->notice, e->control, e->gpc,
                                 proof);
    } else if (strcmp(a, "withdraw") == 0 && e->ncat < 0) {
        rc = samtykke_state_withdraw_all(p, s, e->at, e->notice, e->control, e->gpc, proof,
                                         recorded);
    } else if (strcmp(a, "withdraw") == 0) {
        rc = samtykke_state_withdraw(p, s, chosen, e->at, e->notice, e->control, e->gpc, proof,
                                     recorded);
    } else {
        uint32_t action = strcmp(a, "dismiss") == 0    ? SAMTYKKE_ACTION_DISMISS
                          : strcmp(a, "scroll") == 0   ? SAMTYKKE_ACTION_SCROLL
                          : strcmp(a, "navigate") == 0 ? SAMTYKKE_ACTION_NAVIGATE
                                                       : SAMTYKKE_ACTION_IDLE;
        rc = samtykke_state_gesture(p, s, action, e->at);
    }
    bool written = memcmp(proof, &sentinel, sizeof sentinel) != 0;
    if (strcmp(a, "withdraw") != 0) {
        *recorded = written;
    } else if (rc == SAMTYKKE_RESULT_OK && *recorded != written) {
        /* A withdrawal says whether it recorded: the proof is written exactly then. */
        fail("withdraw: recorded %s, the proof %s", *recorded ? "true" : "false",
             written ? "written" : "not written");
    }
    return rc;
}

/* The state the row's `given` events make, or false. */
static bool given_state(const samtykke_policy *p, samtykke_state *s) {
    if (samtykke_state_init(p, (const uint8_t *)row->consent_id, 16, s) != SAMTYKKE_RESULT_OK) {
        fail("%s%s", "the consent id is refused", "");
        return false;
    }
    for (int i = 0; i < row->ngiven; i++) {
        bool recorded = false;
        samtykke_proof proof;
        samtykke_result rc = apply(p, s, &row->given[i], &recorded, &proof);
        if (rc != SAMTYKKE_RESULT_OK) {
            fail("given event %s fails: %s", row->given[i].action, code_text(rc));
            return false;
        }
    }
    return true;
}

/* The answers about a state at `now`: status, prompt_due, permits. */
static void check_answers(const samtykke_policy *p, const samtykke_state *s) {
    for (int i = 0; i < row->nstatus; i++) {
        samtykke_permit pm;
        const char *id = row->status[i].key;
        samtykke_result rc = samtykke_state_category_status(p, s, id, strlen(id), row->now, &pm);
        const char *got = rc == SAMTYKKE_RESULT_OK ? word(pm) : code_text(rc);
        if (strcmp(got, row->status[i].value) != 0) {
            fail("status of %s: %s", id, got);
        }
    }
    for (int i = 0; i < row->npermits; i++) {
        samtykke_permit pm;
        const char *name = row->permits[i].key;
        samtykke_result rc = samtykke_state_permits(p, s, SAMTYKKE_KIND_COOKIE, name, strlen(name),
                                                    row->now, &pm);
        const char *got = rc == SAMTYKKE_RESULT_OK ? word(pm) : code_text(rc);
        if (strcmp(got, row->permits[i].value) != 0) {
            fail("permits %s: %s", name, got);
        }
    }
    if (row->prompt_due >= 0) {
        bool due = false;
        samtykke_result rc = samtykke_state_prompt_due(p, s, row->now, &due);
        if (rc != SAMTYKKE_RESULT_OK || due != (row->prompt_due == 1)) {
            fail("prompt_due: %s%s", rc != SAMTYKKE_RESULT_OK ? code_text(rc) : due ? "true" : "false",
                 "");
        }
    }
}

/* The name of `value` in a generated table of a header enum. */
#define CF_NAME(table, value) cf_name((table), sizeof(table) / sizeof((table)[0]), (value))
static const char *cf_name(const void *table, size_t n, uint32_t value) {
    const struct { uint32_t value; const char *name; } *t = table;
    for (size_t i = 0; i < n; i++) {
        if (t[i].value == value) {
            return t[i].name;
        }
    }
    return "(unknown)";
}

/* A name the row asks for, or NULL for none, against the one given. */
static void check_name(const char *what, bool asked, const char *want, const char *got) {
    bool same = (want == NULL) == (got == NULL) && (got == NULL || strcmp(got, want) == 0);
    if (asked && !same) {
        fail("%s%s", what, got ? got : "none");
    }
}

/* What a decoded state records: its consent id, decision time, revision, the
 * last decision's action, control and notice, and the GPC flag. */
/* A time the row may ask for: -1 not asked, 0 none, 1 `want_at`. */
static void check_time(const char *what, int want, int64_t want_at, bool has, int64_t at) {
    if (want >= 0 && (has != (want == 1) || (has && at != want_at))) {
        char got[64];
        if (has) {
            snprintf(got, sizeof got, "%lld", (long long)at);
        } else {
            snprintf(got, sizeof got, "none");
        }
        fail("%s%s", what, got);
    }
}

static void check_record(const samtykke_policy *p, const samtykke_state *s) {
    samtykke_state_info info;
    samtykke_result rc = samtykke_state_describe(p, s, &info);
    if (rc != SAMTYKKE_RESULT_OK) {
        fail("samtykke_state_describe: %s%s", code_text(rc), "");
        return;
    }
    char hex[2 * SAMTYKKE_CONSENT_ID_LEN + 1];
    for (size_t i = 0; i < SAMTYKKE_CONSENT_ID_LEN; i++) {
        snprintf(hex + 2 * i, 3, "%02x", info.consent_id[i]);
    }
    if (row->want_id != NULL && strcmp(hex, row->want_id) != 0) {
        fail("consent_id %s%s", hex, "");
    }
    char got[64];
    if (row->want_decided >= 0 &&
        (info.decided != (row->want_decided == 1) || info.decided_at != row->want_decided_at)) {
        snprintf(got, sizeof got, "%s at %lld", info.decided ? "decided" : "not decided",
                 (long long)info.decided_at);
        fail("decided_at: %s%s", got, "");
    }
    check_time("partial_refusal_at: ", row->want_partial, row->want_partial_at,
               info.partial_refusal, info.partial_refusal_at);
    check_time("expires: ", row->want_expires, row->want_expires_at, info.expires,
               info.expires_at);
    if (row->want_revision >= 0 && info.revision != (uint32_t)row->want_revision) {
        snprintf(got, sizeof got, "%u", info.revision);
        fail("revision %s%s", got, "");
    }
    check_name("action: ", row->ask_action, row->want_action,
               info.has_action ? CF_NAME(CF_ACTION, info.action) : NULL);
    check_name("control: ", row->ask_control, row->want_control,
               info.has_action ? CF_NAME(CF_CONTROL, info.control) : NULL);
    if (row->notice_version >= 0 && info.notice_version != (uint32_t)row->notice_version) {
        snprintf(got, sizeof got, "%u", info.notice_version);
        fail("notice_version %s%s", got, "");
    }
    if (row->want_gpc >= 0 && info.gpc != (row->want_gpc == 1)) {
        fail("gpc: %s%s", info.gpc ? "true" : "false", "");
    }
}

static void run_event(const samtykke_policy *p) {
    samtykke_state s;
    if (!given_state(p, &s)) {
        return;
    }
    samtykke_state before = s;
    bool recorded = false;
    samtykke_proof proof;
    samtykke_result rc = apply(p, &s, &row->event, &recorded, &proof);
    check_code(rc, row->event.action);
    if (rc != SAMTYKKE_RESULT_OK) {
        if (memcmp(&before, &s, sizeof s) != 0) {
            fail("%s%s", "the state changed on an error", "");
        }
        return;
    }
    if (row->recorded >= 0 && recorded != (row->recorded == 1)) {
        fail("recorded: %s%s", recorded ? "true" : "false", "");
    }
    check_record(p, &s);
    if (row->notice_version >= 0 && recorded) {
        char line[2048], want[64];
        size_t n = 0;
        if (samtykke_proof_to_json(p, &proof, line, sizeof line - 1, &n) == SAMTYKKE_RESULT_OK) {
            line[n] = '\0';
            snprintf(want, sizeof want, "\"notice_version\":%d,", row->notice_version);
            if (strstr(line, want) == NULL) {
                fail("notice_version: the proof is %s%s", line, "");
            }
        }
    }
    check_answers(p, &s);
}

static void run_policy(void) {
    samtykke_policy *p = NULL;
    size_t len = 0;
    const char *json = policy_text(&len);
    samtykke_result rc = samtykke_policy_from_json(json, len, &p);
    check_code(rc, "samtykke_policy_from_json");
    if (rc == SAMTYKKE_RESULT_OK) {
        for (int i = 0; p != NULL && i < row->ncats; i++) {
            uint32_t bit = 0;
            if (samtykke_policy_category_bit(p, row->cats[i], strlen(row->cats[i]), &bit) !=
                SAMTYKKE_RESULT_OK) {
                fail("category %s is missing%s", row->cats[i], "");
            }
        }
        samtykke_policy_free(p);
        return;
    }
    char path[512], message[1024];
    size_t path_len = 0, message_len = 0;
    uint32_t code = 0;
    rc = samtykke_policy_explain_error(json, len, &code, path, sizeof path - 1,
                                       &path_len, message, sizeof message - 1, &message_len);
    if (rc != SAMTYKKE_RESULT_OK || code != row->code) {
        fail("samtykke_policy_explain_error: %s%s", code_text(rc), "");
        return;
    }
    path[path_len] = '\0';
    if (row->path != NULL && strcmp(path, row->path) != 0) {
        fail("path %s, expected %s", path, row->path);
    }
}

static void run_cookie(const samtykke_policy *p) {
    samtykke_state s;
    samtykke_result rc = samtykke_state_from_cookie(p, row->value, row->value_len,
                                                    (const uint8_t *)row->key, row->key_len, &s);
    check_code(rc, "samtykke_state_from_cookie");
    if (rc == SAMTYKKE_RESULT_OK) {
        check_answers(p, &s);
        check_record(p, &s);
    }
}

static void run_cookie_header(void) {
    char value[1024];
    size_t n = 0;
    bool found = false;
    if (row->npairs == 0) {
        samtykke_result rc = samtykke_cookie_header_get(row->header, row->header_len, "x", 1, value,
                                                        sizeof value, &n, &found);
        check_code(rc, "samtykke_cookie_header_get");
        return;
    }
    for (int i = 0; i < row->npairs; i++) {
        const char *name = row->pairs[i].key;
        bool first = true;
        for (int j = 0; j < i; j++) {
            first = first && strcmp(row->pairs[j].key, name) != 0;
        }
        if (!first) {
            continue; /* the API gives a name's first value */
        }
        samtykke_result rc = samtykke_cookie_header_get(row->header, row->header_len, name,
                                                        strlen(name), value, sizeof value - 1, &n,
                                                        &found);
        check_code(rc, "samtykke_cookie_header_get");
        if (rc != SAMTYKKE_RESULT_OK) {
            return;
        }
        value[n] = '\0';
        if (!found || strcmp(value, row->pairs[i].value) != 0) {
            fail("cookie %s: %s", name, found ? value : "(not found)");
        }
    }
}

/* The state that arrives in a Cookie header: the first consent cookie that
 * verifies under one of the keys, and which key. */
static void run_arrival(const samtykke_policy *p) {
    const uint8_t *keys[4];
    for (int i = 0; i < row->nsite_keys; i++) {
        keys[i] = (const uint8_t *)row->site_keys[i];
    }
    samtykke_state s;
    size_t key_index = 99;
    bool found = !row->found;
    samtykke_result rc = samtykke_state_from_cookie_header(
        p, row->header, row->header_len, row->has_site_keys ? keys : NULL,
        row->has_site_keys ? row->site_key_lens : NULL, (size_t)row->nsite_keys, &s, &key_index,
        &found);
    check_code(rc, "samtykke_state_from_cookie_header");
    if (rc != SAMTYKKE_RESULT_OK) {
        return;
    }
    if (found != (row->found == 1)) {
        fail("found: %s%s", found ? "true" : "false", "");
        return;
    }
    if (found) {
        if (row->key_index >= 0 && key_index != (size_t)row->key_index) {
            char got[32];
            snprintf(got, sizeof got, "%zu", key_index);
            fail("key_index %s%s", got, "");
        }
        check_answers(p, &s);
        check_record(p, &s);
    }
}

static void run_filter(const samtykke_policy *p) {
    samtykke_state s;
    if (!given_state(p, &s)) {
        return;
    }
    char kept[4096];
    size_t n = 0;
    samtykke_result rc = samtykke_state_filter_set_cookie(p, &s, row->set_cookie,
                                                          row->set_cookie_len, row->now, kept,
                                                          sizeof kept - 1, &n);
    check_code(rc, "samtykke_state_filter_set_cookie");
    if (rc == SAMTYKKE_RESULT_OK) {
        kept[n] = '\0';
        if (n != row->kept_len || memcmp(kept, row->kept, n) != 0) {
            fail("kept:\n%s\nexpected:\n%s", kept, row->kept);
        }
    }
    if (row->dropped != NULL) {
        /* What was withheld, and why: the why's name, undeclared or unparsable. */
        samtykke_dropped dropped[32];
        size_t nd = 0;
        rc = samtykke_state_filter_set_cookie_dropped(p, &s, row->set_cookie, row->set_cookie_len,
                                                      row->now, dropped, 32, &nd);
        check_code(rc, "samtykke_state_filter_set_cookie_dropped");
        char listed[1024] = "";
        size_t at = 0;
        for (size_t i = 0; rc == SAMTYKKE_RESULT_OK && i < nd; i++) {
            const char *reason = dropped[i].undeclared    ? "undeclared"
                                 : dropped[i].unparsable ? "unparsable"
                                                         : why_name(dropped[i].why);
            int w = snprintf(listed + at, sizeof listed - at, "%zu %s\n", dropped[i].index, reason);
            at += w > 0 && (size_t)w < sizeof listed - at ? (size_t)w : 0;
        }
        if (rc == SAMTYKKE_RESULT_OK && strcmp(listed, row->dropped) != 0) {
            fail("dropped:\n%s\nexpected:\n%s", listed, row->dropped);
        }
    }
    if (row->sent == NULL) {
        return;
    }
    /* What leaves, shortened to the consent's lapse. */
    rc = samtykke_state_judge_set_cookies(p, &s, row->set_cookie, row->set_cookie_len, row->now,
                                          kept, sizeof kept - 1, &n);
    check_code(rc, "samtykke_state_judge_set_cookies");
    if (rc == SAMTYKKE_RESULT_OK) {
        kept[n] = '\0';
        if (n != row->sent_len || memcmp(kept, row->sent, n) != 0) {
            fail("sent:\n%s\nexpected:\n%s", kept, row->sent);
        }
    }
}

static void run_deletion(const samtykke_policy *p) {
    samtykke_state s;
    if (!given_state(p, &s)) {
        return;
    }
    samtykke_plan *plan = NULL;
    samtykke_result rc = samtykke_state_deletion_plan(p, &s, row->host, row->host_len,
                                                      row->cookie_header, row->cookie_header_len,
                                                      row->now, &plan);
    check_code(rc, "samtykke_state_deletion_plan");
    if (rc != SAMTYKKE_RESULT_OK) {
        return;
    }
    samtykke_plan_counts counts = {0, 0, 0};
    samtykke_plan_count(plan, &counts);
    if (counts.set_cookie != (size_t)row->ndel || counts.storage_keys != (size_t)row->nkeys ||
        counts.undeletable != (size_t)row->nund) {
        char got[128];
        snprintf(got, sizeof got, "%zu set_cookie, %zu storage_keys, %zu undeletable",
                 counts.set_cookie, counts.storage_keys, counts.undeletable);
        fail("plan: %s%s", got, "");
    }
    for (size_t i = 0; i < counts.set_cookie && i < (size_t)row->ndel; i++) {
        const char *v = NULL;
        size_t vl = 0;
        samtykke_plan_set_cookie(plan, i, &v, &vl);
        if (v == NULL || strcmp(v, row->del[i]) != 0) {
            fail("set_cookie %s, expected %s", v ? v : "(none)", row->del[i]);
        }
    }
    for (size_t i = 0; i < counts.storage_keys && i < (size_t)row->nkeys; i++) {
        samtykke_storage_key k;
        samtykke_plan_storage_key(plan, i, &k);
        if (strcmp(kind_name(k.kind), row->keys[i].key) != 0 ||
            strcmp(k.key, row->keys[i].value) != 0) {
            fail("storage key %s %s", kind_name(k.kind), k.key);
        }
    }
    for (size_t i = 0; i < counts.undeletable && i < (size_t)row->nund; i++) {
        samtykke_undeletable u;
        samtykke_plan_undeletable(plan, i, &u);
        const char *got[4] = {u.name, u.category, u.domain, u.reason};
        for (int f = 0; f < 4; f++) {
            if (strcmp(got[f], row->und[i][f]) != 0) {
                fail("undeletable %s, expected %s", got[f], row->und[i][f]);
            }
        }
    }
    samtykke_plan_free(plan);
}

/* iab.json (SPEC §16): a TC string's code, CMP id and vendor consents, or a GPP
 * string's code and section ids. */
static void run_iab(void) {
    uint16_t ids[1024];
    size_t n = 0;
    if (strcmp(row->type, "tcf") == 0) {
        samtykke_tcf t;
        samtykke_result rc = samtykke_tcf_decode(row->value, row->value_len, &t);
        check_code(rc, "tcf_decode");
        if (rc != SAMTYKKE_RESULT_OK) {
            return;
        }
        if (row->cmp_id >= 0 && t.cmp_id != row->cmp_id) {
            fail("cmp_id %s, expected %s", "differs", "");
        }
        rc = samtykke_tcf_vendors(row->value, row->value_len, SAMTYKKE_TCF_VENDOR_CONSENTS, ids,
                                  sizeof ids / sizeof ids[0], &n);
        check_code(rc, "tcf_vendors");
    } else {
        samtykke_result rc =
            samtykke_gpp_decode(row->value, row->value_len, ids, sizeof ids / sizeof ids[0], &n);
        check_code(rc, "gpp_decode");
        if (rc != SAMTYKKE_RESULT_OK) {
            return;
        }
    }
    if (n != (size_t)row->nids) {
        fail("%s ids, expected %s", "a different number of", "");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] != row->ids[i]) {
            fail("id %s, expected %s", "differs", "");
        }
    }
}

/* sec_gpc: whether a Sec-GPC value carries the signal. */
static void run_sec_gpc(void) {
    bool signal = !row->signal;
    check_code(samtykke_gpc_signal(row->value, row->value_len, &signal), "gpc_signal");
    if ((int)signal != row->signal) {
        fail("signal %s, expected %s", signal ? "true" : "false", row->signal ? "true" : "false");
    }
}

/* request_lang: the language a query string and Accept-Language ask for. */
static void run_request_lang(void) {
    uint32_t lang = 99;
    bool found = row->lang == NULL;
    check_code(samtykke_request_lang(row->query, row->query_len, row->accept_language,
                                     row->accept_language_len, &lang, &found),
               "request_lang");
    const char *got = !found                        ? NULL
                      : lang == SAMTYKKE_LANG_DA    ? "da"
                      : lang == SAMTYKKE_LANG_EN    ? "en"
                                                    : "an unknown value";
    if ((got == NULL) != (row->lang == NULL) || (got != NULL && strcmp(got, row->lang) != 0)) {
        fail("lang %s, expected %s", got ? got : "none", row->lang ? row->lang : "none");
    }
}

/* same_origin: whether a decision's POST comes from the site's own pages. */
static void run_same_origin(void) {
    bool same = !row->same;
    check_code(samtykke_same_origin(row->origin_host, row->origin_host_len, row->origin,
                                    row->origin_len, row->fetch_site, row->fetch_site_len, &same),
               "same_origin");
    if ((int)same != row->same) {
        fail("same %s, expected %s", same ? "true" : "false", row->same ? "true" : "false");
    }
}

/* decision_form: the decision a form's body asks for, as the JSON the header
 * documents, or the field at fault. */
static void run_decision_form(const samtykke_policy *p) {
    char out[1024];
    size_t len = 0;
    samtykke_result rc =
        samtykke_decision_form(p, row->content_type, row->content_type_len, row->body,
                               row->body_len, row->action_field, row->action_field_len, out,
                               sizeof out, &len);
    check_code(rc, "decision_form");
    if (len >= sizeof out) {
        fail("an output of %s bytes, expected %s", "too many", "less than 1024");
        return;
    }
    out[len] = '\0';
    if (rc == SAMTYKKE_RESULT_OK && row->decision != NULL && strcmp(out, row->decision) != 0) {
        fail("decision %s, expected %s", out, row->decision);
    }
    if (rc == SAMTYKKE_RESULT_FORM_INVALID && row->fault_field != NULL) {
        if (len != 0) {
            fail("an output of %s on an error, expected %s", "some bytes", "none");
        }
        samtykke_result explained =
            samtykke_decision_form_explain(p, row->content_type, row->content_type_len,
                                           row->body, row->body_len, row->action_field,
                                           row->action_field_len, out, sizeof out, &len);
        if (explained != SAMTYKKE_RESULT_OK) {
            fail("decision_form_explain: %s, expected %s", code_text(explained), "ok");
            return;
        }
        if (len >= sizeof out) {
            fail("an explanation of %s bytes, expected %s", "too many", "less than 1024");
            return;
        }
        out[len] = '\0';
        char want[128];
        snprintf(want, sizeof want, "{\"field\":\"%s\",\"status\":%d,\"message\":\"",
                 row->fault_field, row->fault_status);
        if (strncmp(out, want, strlen(want)) != 0) {
            fail("fault %s, expected %s", out, want);
        }
    }
}

int main(void) {
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof CF_ROWS / sizeof CF_ROWS[0]; i++) {
        row = &CF_ROWS[i];
        faults = 0;
        if (strcmp(row->file, "policies") == 0) {
            run_policy();
        } else if (strcmp(row->file, "iab") == 0) {
            run_iab();
        } else if (strcmp(row->type, "cookie_header") == 0) {
            run_cookie_header();
        } else if (strcmp(row->type, "sec_gpc") == 0) {
            run_sec_gpc();
        } else if (strcmp(row->type, "request_lang") == 0) {
            run_request_lang();
        } else if (strcmp(row->type, "same_origin") == 0) {
            run_same_origin();
        } else {
            samtykke_policy *p = NULL;
            size_t len = 0;
            const char *json = policy_text(&len);
            samtykke_result rc = samtykke_policy_from_json(json, len, &p);
            if (rc != SAMTYKKE_RESULT_OK) {
                fail("the row's policy does not load: %s%s", code_text(rc), "");
            } else if (strcmp(row->file, "events") == 0) {
                run_event(p);
            } else if (strcmp(row->file, "cookies") == 0) {
                run_cookie(p);
            } else if (strcmp(row->type, "set_cookie_filter") == 0) {
                run_filter(p);
            } else if (strcmp(row->type, "deletion") == 0) {
                run_deletion(p);
            } else if (strcmp(row->type, "consent_cookie_header") == 0) {
                run_arrival(p);
            } else if (strcmp(row->type, "decision_form") == 0) {
                run_decision_form(p);
            } else {
                fail("unknown row type %s%s", row->type, "");
            }
            samtykke_policy_free(p);
        }
        if (faults == 0) {
            passed++;
        } else {
            failed++;
        }
    }
    free(file_text);
    printf("conformance: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
