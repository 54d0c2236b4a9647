/* Compiled fast path of `custody verify` on PostgreSQL rows (see app/ledger/verify.py).
 *
 * It recomputes exactly what the reference checks (app/ledger/checks.py) recompute and says
 * where the first row that does not hold is; naming and explaining it is left to the Python
 * code, which is the definition. tests/ledger/test_accel.py holds the two to the same
 * answers. SHA-256 comes from OpenSSL's libcrypto.
 *
 * Hops may come in any order (as the table stores them: an index walk in (unit, seq) order
 * reads a table of random serials at random). Each hop is hashed as it comes, from its own
 * prev_hop_hash; links() then sorts what it kept of them by (unit, seq) and walks the chains
 * as the reference does, so the first hop that fails is the reference's first.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#define HASH 32

typedef struct {
    int64_t leaf;
    unsigned char hash[HASH];
} HopRef;

/* What links() needs of a hop: 112 bytes each, plus its unit, until links() runs. */
typedef struct {
    const char *unit; /* into Verifier.units; an offset until links() runs */
    Py_ssize_t unit_len;
    int64_t seq, id;
    size_t ordinal; /* the order it was fed in, which breaks ties */
    unsigned char prev[HASH], hash[HASH];
    int ok; /* well formed, and hashes to its hop_hash from its own prev_hop_hash */
} Rec;

typedef struct {
    PyObject_HEAD
    EVP_MD *md;
    EVP_MD_CTX *ctx;
    /* hops taken so far, and their units back to back */
    Rec *recs;
    size_t nrecs, recs_cap;
    char *units;
    size_t units_len, units_cap;
    /* chain state after links(): the unit walked, the seq expected next, the last hash */
    char *unit;
    Py_ssize_t unit_len;
    size_t unit_cap;
    int has_unit;
    int64_t seq;
    unsigned char prev[HASH];
    /* every hop hash with the leaf it belongs to; sorted by leaf before the leaves */
    HopRef *refs;
    size_t nrefs, refs_cap, cursor;
    int sorted;
    /* leaves: the index expected next and the leaf hashes so far */
    int64_t next_leaf;
    unsigned char *leaves;
    size_t leaves_cap;
    /* scratch for canonical bytes */
    char *buf;
    size_t len, cap;
} Verifier;

/* Growable buffers use the raw allocator: rows are checked without holding the GIL. */
static int reserve(void **buf, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need) cap2 *= 2;
    void *p = PyMem_RawRealloc(*buf, cap2);
    if (!p) return -1;
    *buf = p; *cap = cap2;
    return 0;
}

static int put(Verifier *v, const char *s, size_t n) {
    if (reserve((void **)&v->buf, &v->cap, v->len + n)) return -1;
    memcpy(v->buf + v->len, s, n);
    v->len += n;
    return 0;
}

#define PUT_LIT(v, s) put((v), (s), sizeof(s) - 1)

/* A JSON string literal as json.encoder.encode_basestring writes it, from UTF-8. */
static int put_json_string(Verifier *v, const char *s, Py_ssize_t n) {
    static const char hex[] = "0123456789abcdef";
    if (reserve((void **)&v->buf, &v->cap, v->len + 6 * (size_t)n + 2)) return -1;
    char *o = v->buf + v->len;
    *o++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') { *o++ = (char)c; continue; }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default:
            *o++ = 'u'; *o++ = '0'; *o++ = '0';
            *o++ = hex[c >> 4]; *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    v->len = (size_t)(o - v->buf);
    return 0;
}

/* A str's UTF-8, or NULL for None when nullable; 0 if the value is neither. */
typedef struct {
    const char *p;
    Py_ssize_t n;
} Str;

static int get_str(PyObject *o, int nullable, Str *out) {
    if (o == Py_None && nullable) { out->p = NULL; out->n = 0; return 1; }
    if (!PyUnicode_CheckExact(o)) return 0;
    out->p = PyUnicode_AsUTF8AndSize(o, &out->n);
    if (!out->p) { PyErr_Clear(); return 0; }
    return 1;
}

static int get_int(PyObject *o, long long *out) {
    int overflow;
    if (!PyLong_CheckExact(o)) return 0;
    *out = PyLong_AsLongLongAndOverflow(o, &overflow);
    return !overflow;
}

static const unsigned char *get_hash(PyObject *o) {
    return PyBytes_CheckExact(o) && PyBytes_GET_SIZE(o) == HASH
               ? (const unsigned char *)PyBytes_AS_STRING(o) : NULL;
}

static int put_str(Verifier *v, Str s) {
    return s.p ? put_json_string(v, s.p, s.n) : PUT_LIT(v, "null");
}

/* n decimal digits of x >= 0, zero-padded. */
static void digits(char *o, int n, long long x) {
    for (int i = n - 1; i >= 0; i--, x /= 10) o[i] = (char)('0' + x % 10);
}

/* PostgreSQL's timestamptz (whole microseconds since 2000-01-01 UTC) as a JSON string
 * "YYYY-MM-DDTHH:MM:SS.mmmZ"; 0 unless whole milliseconds in years 1..9999. */
static int put_time(Verifier *v, long long us, int *ok) {
    if (us % 1000) { *ok = 0; return 0; }
    long long ms = us / 1000 + 946684800000LL; /* since 1970 */
    long long days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) { rem += 86400000; days -= 1; }
    /* civil_from_days (H. Hinnant) */
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y += 1;
    if (y < 1 || y > 9999) { *ok = 0; return 0; }
    char t[] = "\"0000-00-00T00:00:00.000Z\"";
    digits(t + 1, 4, y);
    digits(t + 6, 2, m);
    digits(t + 9, 2, d);
    digits(t + 12, 2, rem / 3600000);
    digits(t + 15, 2, rem / 60000 % 60);
    digits(t + 18, 2, rem / 1000 % 60);
    digits(t + 21, 3, rem % 1000);
    return put(v, t, sizeof t - 1);
}

static int sha256(Verifier *v, const void *a, size_t an, const void *b, size_t bn,
                  unsigned char *out) {
    return EVP_DigestInit_ex2(v->ctx, v->md, NULL) && EVP_DigestUpdate(v->ctx, a, an) &&
                   EVP_DigestUpdate(v->ctx, b, bn) && EVP_DigestFinal_ex(v->ctx, out, NULL)
               ? 0 : -1;
}

static PyObject *failed(void) {
    PyErr_SetString(PyExc_MemoryError, "verify: out of memory (or OpenSSL's SHA-256 failed)");
    return NULL;
}

/* A hop row's fields, read while holding the GIL (the row objects outlive the check). */
typedef struct {
    Str unit, event, kind, src, dst, loc;
    long long seq, id, time, leaf;
    const unsigned char *prev, *stored;
    int formed; /* the columns the canonical bytes need have their types */
} Hop;

/* 0 if a column links() needs is not of its type: PostgreSQL cannot store such a row. */
static int get_hop(PyObject *row, Hop *h) {
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) != 12) return 0;
    PyObject **f = &PyTuple_GET_ITEM(row, 0);
    if (!get_str(f[0], 0, &h->unit) || !get_int(f[1], &h->seq) || !get_int(f[2], &h->id) ||
        !(h->prev = get_hash(f[9])) || !(h->stored = get_hash(f[10])) || !get_int(f[11], &h->leaf))
        return 0;
    h->formed = get_str(f[3], 0, &h->event) && get_str(f[4], 0, &h->kind) &&
                get_str(f[5], 1, &h->src) && get_str(f[6], 1, &h->dst) &&
                get_str(f[7], 1, &h->loc) && get_int(f[8], &h->time);
    PyErr_Clear();
    return 1;
}

/* Canonical bytes of a hop into v->buf (core.canonical_hop_fields); *ok = 0 if it has none. */
static int canonical_hop(Verifier *v, const Hop *h, int *ok) {
    char num[24];
    int n = 0;
    for (long long x = h->seq; x; x /= 10) num[sizeof num - 1 - n++] = (char)('0' + x % 10);
    if (!n) num[sizeof num - 1 - n++] = '0';
    v->len = 0;
    return PUT_LIT(v, "{\"event_hash\":") || put_str(v, h->event) ||
           PUT_LIT(v, ",\"from_party\":") || put_str(v, h->src) ||
           PUT_LIT(v, ",\"kind\":") || put_str(v, h->kind) ||
           PUT_LIT(v, ",\"location\":") || put_str(v, h->loc) ||
           PUT_LIT(v, ",\"seq\":") || put(v, num + sizeof num - n, (size_t)n) ||
           PUT_LIT(v, ",\"time\":") || put_time(v, h->time, ok) ||
           PUT_LIT(v, ",\"to_party\":") || put_str(v, h->dst) ||
           PUT_LIT(v, ",\"unit\":") || put_str(v, h->unit) || PUT_LIT(v, "}")
               ? -1 : 0;
}

/* Hash one hop from its own prev_hop_hash and keep what links() needs. 0, or -1 out of
 * memory. No GIL needed. */
static int take_hop(Verifier *v, const Hop *h) {
    unsigned char computed[HASH];
    int ok = h->formed;
    if (ok && (canonical_hop(v, h, &ok) || sha256(v, v->buf, v->len, h->prev, HASH, computed)))
        return -1;
    if (reserve((void **)&v->units, &v->units_cap, v->units_len + (size_t)h->unit.n + 1) ||
        reserve((void **)&v->recs, &v->recs_cap, (v->nrecs + 1) * sizeof(Rec)) ||
        reserve((void **)&v->refs, &v->refs_cap, (v->nrefs + 1) * sizeof(HopRef)))
        return -1;
    Rec *r = &v->recs[v->nrecs];
    r->unit = (const char *)(uintptr_t)v->units_len;
    r->unit_len = h->unit.n;
    r->seq = h->seq;
    r->id = h->id;
    r->ordinal = v->nrecs++;
    memcpy(r->prev, h->prev, HASH);
    memcpy(r->hash, h->stored, HASH);
    r->ok = ok && !memcmp(computed, h->stored, HASH);
    memcpy(v->units + v->units_len, h->unit.p, (size_t)h->unit.n);
    v->units_len += (size_t)h->unit.n;
    v->refs[v->nrefs].leaf = h->leaf;
    memcpy(v->refs[v->nrefs++].hash, h->stored, HASH);
    v->sorted = 0;
    return 0;
}

static PyObject *Verifier_hops(Verifier *v, PyObject *rows) {
    PyObject *seq = PySequence_Fast(rows, "rows must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), got = 0, i = 0;
    Hop *hops = PyMem_RawMalloc((size_t)(n ? n : 1) * sizeof(Hop));
    if (!hops) { Py_DECREF(seq); return PyErr_NoMemory(); }
    while (got < n && get_hop(PySequence_Fast_ITEMS(seq)[got], &hops[got])) got++;
    int r = 0;
    Py_BEGIN_ALLOW_THREADS
    for (; i < got && (r = take_hop(v, &hops[i])) == 0; i++) {}
    Py_END_ALLOW_THREADS
    PyMem_RawFree(hops);
    Py_DECREF(seq);
    return r < 0 ? failed() : PyLong_FromSsize_t(i);
}

/* Units in byte order (code point order of their text): <0, 0, >0. */
static int unit_order(const Rec *x, const Rec *y) {
    Py_ssize_t n = x->unit_len < y->unit_len ? x->unit_len : y->unit_len;
    int c = memcmp(x->unit, y->unit, (size_t)n);
    return c ? c : (x->unit_len > y->unit_len) - (x->unit_len < y->unit_len);
}

/* A hop in sorting order: its unit's FNV-1a hash first, so that most comparisons are one
 * integer; chains only need to be contiguous and in seq order, not in unit order. */
typedef struct {
    uint64_t key;
    const Rec *rec;
} Order;

static uint64_t fnv1a(const char *p, Py_ssize_t n) {
    uint64_t h = 14695981039346656037ULL;
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

static int by_chain(const void *a, const void *b) {
    const Order *x = a, *y = b;
    if (x->key != y->key) return x->key > y->key ? 1 : -1;
    int c = unit_order(x->rec, y->rec);
    if (c) return c;
    if (x->rec->seq != y->rec->seq) return (x->rec->seq > y->rec->seq) - (x->rec->seq < y->rec->seq);
    return (x->rec->ordinal > y->rec->ordinal) - (x->rec->ordinal < y->rec->ordinal);
}

/* Walk every chain in seq order. Chains are independent, so the reference's first failure
 * (it walks units in byte order) is the failure of the smallest unit. Sets *bad to it or
 * NULL, and *before to the hop before it in its chain, or (no failure) the last hop of the
 * greatest unit, where the reference ends. 0, or -1 out of memory. No GIL needed. */
static int walk_chains(Verifier *v, const Rec **bad, const Rec **before) {
    static const unsigned char genesis[HASH] = {0};
    size_t n = v->nrecs;
    Order *order = PyMem_RawMalloc((n ? n : 1) * sizeof(Order));
    if (!order) return -1;
    for (size_t k = 0; k < n; k++) {
        Rec *r = &v->recs[k];
        r->unit = v->units + (uintptr_t)r->unit;
        order[k].key = fnv1a(r->unit, r->unit_len);
        order[k].rec = r;
    }
    qsort(order, n, sizeof(Order), by_chain);
    const Rec *greatest = NULL;
    *bad = *before = NULL;
    for (size_t k = 0, e; k < n; k = e) {
        const Rec *prev = NULL, *fail = NULL, *head = order[k].rec;
        for (e = k; e < n && order[e].key == order[k].key && !unit_order(order[e].rec, head); e++) {
            const Rec *r = order[e].rec;
            if (fail) continue;
            if (r->seq != (prev ? prev->seq + 1 : 0) || !r->ok ||
                memcmp(r->prev, prev ? prev->hash : genesis, HASH))
                fail = r;
            else
                prev = r;
        }
        if (fail && (!*bad || unit_order(fail, *bad) < 0)) { *bad = fail; *before = prev; }
        if (!fail && (!greatest || unit_order(head, greatest) > 0)) greatest = prev;
    }
    if (!*bad) *before = greatest;
    PyMem_RawFree(order);
    return 0;
}

/* links() -> None, or (ordinal, id) of the first hop that does not hold; state is then the
 * chain state just before it (else at the end of the last chain). Call once, after every hop. */
static PyObject *Verifier_links(Verifier *v, PyObject *unused) {
    const Rec *bad, *before;
    int r;
    Py_BEGIN_ALLOW_THREADS
    r = walk_chains(v, &bad, &before);
    Py_END_ALLOW_THREADS
    PyObject *out = NULL;
    const Rec *at = bad ? bad : before; /* the unit the state is in */
    v->has_unit = 0;
    v->seq = before ? before->seq + 1 : 0;
    memcpy(v->prev, before ? before->hash : (const unsigned char[HASH]){0}, HASH);
    if (r || (at && reserve((void **)&v->unit, &v->unit_cap, (size_t)at->unit_len + 1))) {
        failed();
    } else {
        if (at) {
            memcpy(v->unit, at->unit, (size_t)at->unit_len);
            v->unit_len = at->unit_len;
            v->has_unit = 1;
        }
        out = bad ? Py_BuildValue("(nL)", (Py_ssize_t)bad->ordinal, (long long)bad->id)
                  : Py_NewRef(Py_None);
    }
    PyMem_RawFree(v->recs);
    PyMem_RawFree(v->units);
    v->recs = NULL;
    v->units = NULL;
    v->nrecs = v->recs_cap = v->units_len = v->units_cap = 0;
    return out;
}

static int by_leaf(const void *a, const void *b) {
    int64_t x = ((const HopRef *)a)->leaf, y = ((const HopRef *)b)->leaf;
    return (x > y) - (x < y);
}

static int by_hash(const void *a, const void *b) { return memcmp(a, b, HASH); }

static void sort_refs(Verifier *v) {
    if (v->sorted) return;
    qsort(v->refs, v->nrefs, sizeof(HopRef), by_leaf);
    v->sorted = 1;
    v->cursor = 0;
    while (v->cursor < v->nrefs && v->refs[v->cursor].leaf < v->next_leaf) v->cursor++;
}

/* A leaf row's fields, read while holding the GIL. */
typedef struct {
    long long index;
    const unsigned char *stored;
    const char *data;
    size_t data_len;
    Str event;
} Leaf;

static int get_leaf(PyObject *row, Leaf *l) {
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) != 4) return 0;
    PyObject **f = &PyTuple_GET_ITEM(row, 0);
    if (!get_int(f[0], &l->index) || !(l->stored = get_hash(f[1])) || !PyBytes_CheckExact(f[2]) ||
        !get_str(f[3], 0, &l->event))
        return 0;
    l->data = PyBytes_AS_STRING(f[2]);
    l->data_len = (size_t)PyBytes_GET_SIZE(f[2]);
    return 1;
}

/* One leaf: 1 if it holds, 0 if not, -1 out of memory. No GIL needed. */
static int check_leaf(Verifier *v, const Leaf *l) {
    static const char hex[] = "0123456789abcdef";
    unsigned char computed[HASH], zero = 0;
    if (l->index != v->next_leaf) return 0;
    if (sha256(v, &zero, 1, l->data, l->data_len, computed)) return -1;
    if (memcmp(computed, l->stored, HASH)) return 0;
    size_t first = v->cursor, last = first;
    while (last < v->nrefs && v->refs[last].leaf == v->next_leaf) last++;
    /* hop hashes sorted, as leaf_data_prefix sorts their hex */
    if (last - first > 1) qsort(&v->refs[first], last - first, sizeof(HopRef), by_hash);
    v->len = 0;
    if (PUT_LIT(v, "{\"event_hash\":") || put_str(v, l->event) || PUT_LIT(v, ",\"hop_hashes\":[") ||
        reserve((void **)&v->buf, &v->cap, v->len + (last - first) * (2 * HASH + 3)))
        return -1;
    char *o = v->buf + v->len;
    for (size_t k = first; k < last; k++) {
        if (k > first) *o++ = ',';
        *o++ = '"';
        for (int b = 0; b < HASH; b++) {
            *o++ = hex[v->refs[k].hash[b] >> 4];
            *o++ = hex[v->refs[k].hash[b] & 15];
        }
        *o++ = '"';
    }
    v->len = (size_t)(o - v->buf);
    if (PUT_LIT(v, "],\"partner\":")) return -1;
    if (l->data_len < v->len || memcmp(l->data, v->buf, v->len)) return 0;
    if (reserve((void **)&v->leaves, &v->leaves_cap, (size_t)(v->next_leaf + 1) * HASH)) return -1;
    memcpy(v->leaves + v->next_leaf * HASH, computed, HASH);
    v->next_leaf++;
    v->cursor = last;
    return 1;
}

static PyObject *Verifier_leaves(Verifier *v, PyObject *rows) {
    PyObject *seq = PySequence_Fast(rows, "rows must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), got = 0, i = 0;
    Leaf *leaves = PyMem_RawMalloc((size_t)(n ? n : 1) * sizeof(Leaf));
    if (!leaves) { Py_DECREF(seq); return PyErr_NoMemory(); }
    while (got < n && get_leaf(PySequence_Fast_ITEMS(seq)[got], &leaves[got])) got++;
    int r = 1;
    Py_BEGIN_ALLOW_THREADS
    sort_refs(v);
    for (; i < got && (r = check_leaf(v, &leaves[i])) == 1; i++) {}
    Py_END_ALLOW_THREADS
    PyMem_RawFree(leaves);
    Py_DECREF(seq);
    return r < 0 ? failed() : PyLong_FromSsize_t(i);
}

static PyObject *Verifier_hops_of(Verifier *v, PyObject *arg) {
    long long leaf = PyLong_AsLongLong(arg);
    if (leaf == -1 && PyErr_Occurred()) return NULL;
    sort_refs(v);
    PyObject *out = PyList_New(0);
    for (size_t k = 0; out && k < v->nrefs; k++) {
        if (v->refs[k].leaf != leaf) continue;
        PyObject *h = PyBytes_FromStringAndSize((const char *)v->refs[k].hash, HASH);
        if (!h || PyList_Append(out, h)) Py_CLEAR(out);
        Py_XDECREF(h);
    }
    return out;
}

static PyObject *Verifier_orphan(Verifier *v, PyObject *unused) {
    sort_refs(v);
    for (size_t k = 0; k < v->nrefs; k++)
        if (v->refs[k].leaf < 0 || v->refs[k].leaf >= v->next_leaf)
            return PyLong_FromLongLong(v->refs[k].leaf);
    Py_RETURN_NONE;
}

static PyObject *Verifier_leaf_hashes(Verifier *v, PyObject *unused) {
    return PyBytes_FromStringAndSize((const char *)v->leaves, v->next_leaf * HASH);
}

static PyObject *Verifier_state(Verifier *v, void *closure) {
    PyObject *unit = v->has_unit ? PyUnicode_DecodeUTF8(v->unit, v->unit_len, NULL)
                                 : Py_NewRef(Py_None);
    if (!unit) return NULL;
    return Py_BuildValue("(NLy#L)", unit, (long long)v->seq, v->prev, (Py_ssize_t)HASH,
                         (long long)v->next_leaf);
}

static PyObject *Verifier_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    if (PyTuple_GET_SIZE(args) || (kwds && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "Verifier() takes no arguments");
        return NULL;
    }
    Verifier *v = (Verifier *)type->tp_alloc(type, 0);
    if (!v) return NULL;
    v->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    v->ctx = EVP_MD_CTX_new();
    if (!v->md || !v->ctx) {
        Py_DECREF(v);
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL has no SHA-256");
        return NULL;
    }
    return (PyObject *)v;
}

static void Verifier_dealloc(Verifier *v) {
    EVP_MD_free(v->md);
    EVP_MD_CTX_free(v->ctx);
    PyMem_RawFree(v->unit);
    PyMem_RawFree(v->recs);
    PyMem_RawFree(v->units);
    PyMem_RawFree(v->refs);
    PyMem_RawFree(v->leaves);
    PyMem_RawFree(v->buf);
    Py_TYPE(v)->tp_free((PyObject *)v);
}

static PyMethodDef Verifier_methods[] = {
    {"hops", (PyCFunction)Verifier_hops, METH_O,
     "Hash hop rows, in any order; return how many were taken (fewer: a row of wrong types)."},
    {"links", (PyCFunction)Verifier_links, METH_NOARGS,
     "After every hop: None if every chain holds, else (ordinal, id) of the first hop that does not."},
    {"leaves", (PyCFunction)Verifier_leaves, METH_O,
     "Check leaf rows in index order, after every hop; return how many hold."},
    {"hops_of", (PyCFunction)Verifier_hops_of, METH_O, "The hop hashes recorded for a leaf."},
    {"orphan", (PyCFunction)Verifier_orphan, METH_NOARGS,
     "The smallest leaf index hops point at that no checked leaf has, or None."},
    {"leaf_hashes", (PyCFunction)Verifier_leaf_hashes, METH_NOARGS,
     "The hashes of the leaves checked so far, back to back."},
    {NULL},
};

static PyGetSetDef Verifier_getset[] = {
    {"state", (getter)Verifier_state, NULL,
     "(unit, next seq, last hop hash, next leaf index): where the walk stands.", NULL},
    {NULL},
};

static PyTypeObject VerifierType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "app.ledger._accel.Verifier",
    .tp_basicsize = sizeof(Verifier),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Hop chains and leaves of one verify run, checked row by row.",
    .tp_new = Verifier_new,
    .tp_dealloc = (destructor)Verifier_dealloc,
    .tp_methods = Verifier_methods,
    .tp_getset = Verifier_getset,
};

/* levels(leaf_hashes) -> [level 0, level 1, ...]: each level's complete-subtree hashes. */
static PyObject *levels(PyObject *self, PyObject *arg) {
    if (!PyBytes_CheckExact(arg) || PyBytes_GET_SIZE(arg) % HASH) {
        PyErr_SetString(PyExc_ValueError, "leaf hashes must be bytes, 32 per leaf");
        return NULL;
    }
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    PyObject *out = PyList_New(0);
    PyObject *level = Py_NewRef(arg);
    static const unsigned char one = 1;
    while (md && ctx && out && !PyList_Append(out, level)) {
        Py_ssize_t n = PyBytes_GET_SIZE(level) / HASH / 2;
        if (PyBytes_GET_SIZE(level) <= HASH) break;
        PyObject *up = PyBytes_FromStringAndSize(NULL, n * HASH);
        if (!up) break;
        const unsigned char *below = (const unsigned char *)PyBytes_AS_STRING(level);
        unsigned char *above = (unsigned char *)PyBytes_AS_STRING(up);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!EVP_DigestInit_ex2(ctx, md, NULL) || !EVP_DigestUpdate(ctx, &one, 1) ||
                !EVP_DigestUpdate(ctx, below + 2 * i * HASH, 2 * HASH) ||
                !EVP_DigestFinal_ex(ctx, above + i * HASH, NULL)) {
                PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
                Py_CLEAR(up);
                break;
            }
        }
        Py_SETREF(level, up);
        if (!level) break;
    }
    Py_XDECREF(level);
    EVP_MD_free(md);
    EVP_MD_CTX_free(ctx);
    if (PyErr_Occurred() || !md || !ctx) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "OpenSSL has no SHA-256");
        Py_XDECREF(out);
        return NULL;
    }
    return out;
}

static PyMethodDef module_methods[] = {
    {"levels", levels, METH_O,
     "Every level of an RFC 6962 tree's complete-subtree hashes, from the leaf hashes."},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "app.ledger._accel",
    .m_doc = "Compiled fast path of custody verify (see app/ledger/verify.py).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__accel(void) {
    if (PyType_Ready(&VerifierType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddObjectRef(m, "Verifier", (PyObject *)&VerifierType) < 0) Py_CLEAR(m);
    return m;
}
