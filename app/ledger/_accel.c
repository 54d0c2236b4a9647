/* Compiled fast path of `custody verify` on PostgreSQL rows (see app/ledger/verify.py).
 *
 * It recomputes exactly what app/ledger/verify.py recomputes, row for row, and only says
 * how many rows of a batch hold; naming and explaining the first row that does not is
 * left to the Python code, which is the definition. tests/ledger/test_accel.py holds the
 * two to the same answers. SHA-256 comes from OpenSSL's libcrypto.
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

typedef struct {
    PyObject_HEAD
    EVP_MD *md;
    EVP_MD_CTX *ctx;
    /* chain state: the unit being walked, the seq expected next, the last hop's hash */
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

static int reserve(char **buf, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need) cap2 *= 2;
    char *p = PyMem_Realloc(*buf, cap2);
    if (!p) { PyErr_NoMemory(); return -1; }
    *buf = p; *cap = cap2;
    return 0;
}

static int put(Verifier *v, const char *s, size_t n) {
    if (reserve(&v->buf, &v->cap, v->len + n)) return -1;
    memcpy(v->buf + v->len, s, n);
    v->len += n;
    return 0;
}

#define PUT_LIT(v, s) put((v), (s), sizeof(s) - 1)

/* A JSON string literal as json.encoder.encode_basestring writes it, from UTF-8. */
static int put_json_string(Verifier *v, const char *s, Py_ssize_t n) {
    static const char hex[] = "0123456789abcdef";
    if (reserve(&v->buf, &v->cap, v->len + 6 * (size_t)n + 2)) return -1;
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

/* 1 and the UTF-8 of a str, 0 for anything else (the row is malformed). */
static int utf8(PyObject *o, const char **s, Py_ssize_t *n) {
    if (!PyUnicode_CheckExact(o)) return 0;
    *s = PyUnicode_AsUTF8AndSize(o, n);
    if (!*s) { PyErr_Clear(); return 0; }
    return 1;
}

static int put_field(Verifier *v, PyObject *o, int nullable, int *ok) {
    const char *s; Py_ssize_t n;
    if (o == Py_None && nullable) return PUT_LIT(v, "null");
    if (!utf8(o, &s, &n)) { *ok = 0; return 0; }
    return put_json_string(v, s, n);
}

/* n decimal digits of x >= 0, zero-padded. */
static void digits(char *o, int n, long long x) {
    for (int i = n - 1; i >= 0; i--, x /= 10) o[i] = (char)('0' + x % 10);
}

/* PostgreSQL's timestamptz (whole microseconds since 2000-01-01 UTC) as a JSON string
 * "YYYY-MM-DDTHH:MM:SS.mmmZ"; *ok = 0 unless whole milliseconds in years 1..9999. */
static int put_time(Verifier *v, PyObject *o, int *ok) {
    int overflow = 1;
    long long us = PyLong_CheckExact(o) ? PyLong_AsLongLongAndOverflow(o, &overflow) : 0;
    if (overflow || us % 1000) { *ok = 0; return 0; }
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
    if (!EVP_DigestInit_ex2(v->ctx, v->md, NULL) || !EVP_DigestUpdate(v->ctx, a, an) ||
        !EVP_DigestUpdate(v->ctx, b, bn) || !EVP_DigestFinal_ex(v->ctx, out, NULL)) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
        return -1;
    }
    return 0;
}

static int is_hash(PyObject *o) { return PyBytes_CheckExact(o) && PyBytes_GET_SIZE(o) == HASH; }

/* Canonical bytes of a hop row into v->buf; *ok = 0 if the row cannot make a hop. */
static int canonical_hop(Verifier *v, PyObject **f, long long seq, int *ok) {
    char num[24];
    v->len = 0;
    if (PUT_LIT(v, "{\"event_hash\":") || put_field(v, f[3], 0, ok) ||
        PUT_LIT(v, ",\"from_party\":") || put_field(v, f[5], 1, ok) ||
        PUT_LIT(v, ",\"kind\":") || put_field(v, f[4], 0, ok) ||
        PUT_LIT(v, ",\"location\":") || put_field(v, f[7], 1, ok) || PUT_LIT(v, ",\"seq\":"))
        return -1;
    int n = 0;
    for (long long x = seq; x; x /= 10) num[sizeof num - 1 - n++] = (char)('0' + x % 10);
    if (!n) num[sizeof num - 1 - n++] = '0';
    if (put(v, num + sizeof num - n, (size_t)n) ||
        PUT_LIT(v, ",\"time\":") || put_time(v, f[8], ok) ||
        PUT_LIT(v, ",\"to_party\":") || put_field(v, f[6], 1, ok) ||
        PUT_LIT(v, ",\"unit\":") || put_field(v, f[0], 0, ok) || PUT_LIT(v, "}"))
        return -1;
    return 0;
}

/* One hop row: 1 if it holds, 0 if not (state unchanged), -1 on error. */
static int check_hop(Verifier *v, PyObject *row) {
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) != 12) return 0;
    PyObject **f = &PyTuple_GET_ITEM(row, 0);
    const char *unit; Py_ssize_t unit_len;
    int overflow, ok = 1;
    if (!utf8(f[0], &unit, &unit_len) || !PyLong_CheckExact(f[1]) || !PyLong_CheckExact(f[11]))
        return 0;
    long long seq = PyLong_AsLongLongAndOverflow(f[1], &overflow);
    if (overflow) return 0;
    long long leaf = PyLong_AsLongLongAndOverflow(f[11], &overflow);
    if (overflow) return 0;
    int same = v->has_unit && unit_len == v->unit_len && !memcmp(unit, v->unit, unit_len);
    int64_t expected = same ? v->seq : 0;
    static const unsigned char genesis[HASH] = {0};
    const unsigned char *prev = same ? v->prev : genesis;
    if (seq != expected || !is_hash(f[9]) || memcmp(PyBytes_AS_STRING(f[9]), prev, HASH))
        return 0;
    if (canonical_hop(v, f, seq, &ok)) return -1;
    if (!ok) return 0;
    unsigned char computed[HASH];
    if (sha256(v, v->buf, v->len, prev, HASH, computed)) return -1;
    if (!is_hash(f[10]) || memcmp(PyBytes_AS_STRING(f[10]), computed, HASH)) return 0;
    if (!same) {
        if (reserve(&v->unit, &v->unit_cap, (size_t)unit_len + 1)) return -1;
        memcpy(v->unit, unit, unit_len);
        v->unit_len = unit_len;
        v->has_unit = 1;
    }
    if (v->nrefs == v->refs_cap) {
        size_t cap = v->refs_cap ? v->refs_cap * 2 : 65536;
        HopRef *p = PyMem_Realloc(v->refs, cap * sizeof(HopRef));
        if (!p) { PyErr_NoMemory(); return -1; }
        v->refs = p; v->refs_cap = cap;
    }
    v->refs[v->nrefs].leaf = leaf;
    memcpy(v->refs[v->nrefs++].hash, computed, HASH);
    v->sorted = 0;
    v->seq = seq + 1;
    memcpy(v->prev, computed, HASH);
    return 1;
}

static PyObject *Verifier_hops(Verifier *v, PyObject *rows) {
    PyObject *seq = PySequence_Fast(rows, "rows must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), i = 0;
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (; i < n; i++) {
        int r = check_hop(v, items[i]);
        if (r < 0) { Py_DECREF(seq); return NULL; }
        if (!r) break;
    }
    Py_DECREF(seq);
    return PyLong_FromSsize_t(i);
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

/* One leaf row: 1 if it holds, 0 if not, -1 on error. */
static int check_leaf(Verifier *v, PyObject *row) {
    static const char hex[] = "0123456789abcdef";
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) != 4) return 0;
    PyObject **f = &PyTuple_GET_ITEM(row, 0);
    int overflow;
    const char *event; Py_ssize_t event_len;
    if (!PyLong_CheckExact(f[0]) || PyLong_AsLongLongAndOverflow(f[0], &overflow) != v->next_leaf
        || overflow || !is_hash(f[1]) || !PyBytes_CheckExact(f[2]) || !utf8(f[3], &event, &event_len))
        return 0;
    const char *data = PyBytes_AS_STRING(f[2]);
    size_t data_len = (size_t)PyBytes_GET_SIZE(f[2]);
    unsigned char computed[HASH], zero = 0;
    if (sha256(v, &zero, 1, data, data_len, computed)) return -1;
    if (memcmp(computed, PyBytes_AS_STRING(f[1]), HASH)) return 0;
    size_t first = v->cursor, last = first;
    while (last < v->nrefs && v->refs[last].leaf == v->next_leaf) last++;
    /* hop hashes sorted, as leaf_data_prefix sorts their hex */
    if (last - first > 1) qsort(&v->refs[first], last - first, sizeof(HopRef), by_hash);
    v->len = 0;
    if (PUT_LIT(v, "{\"event_hash\":") || put_json_string(v, event, event_len) ||
        PUT_LIT(v, ",\"hop_hashes\":["))
        return -1;
    for (size_t k = first; k < last; k++) {
        if (reserve(&v->buf, &v->cap, v->len + 2 * HASH + 3)) return -1;
        char *o = v->buf + v->len;
        if (k > first) *o++ = ',';
        *o++ = '"';
        for (int b = 0; b < HASH; b++) {
            *o++ = hex[v->refs[k].hash[b] >> 4];
            *o++ = hex[v->refs[k].hash[b] & 15];
        }
        *o++ = '"';
        v->len = (size_t)(o - v->buf);
    }
    if (PUT_LIT(v, "],\"partner\":")) return -1;
    if (data_len < v->len || memcmp(data, v->buf, v->len)) return 0;
    size_t need = (size_t)(v->next_leaf + 1) * HASH;
    if (reserve((char **)&v->leaves, &v->leaves_cap, need)) return -1;
    memcpy(v->leaves + v->next_leaf * HASH, computed, HASH);
    v->next_leaf++;
    v->cursor = last;
    return 1;
}

static PyObject *Verifier_leaves(Verifier *v, PyObject *rows) {
    PyObject *seq = PySequence_Fast(rows, "rows must be a sequence");
    if (!seq) return NULL;
    sort_refs(v);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), i = 0;
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (; i < n; i++) {
        int r = check_leaf(v, items[i]);
        if (r < 0) { Py_DECREF(seq); return NULL; }
        if (!r) break;
    }
    Py_DECREF(seq);
    return PyLong_FromSsize_t(i);
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
    PyMem_Free(v->unit);
    PyMem_Free(v->refs);
    PyMem_Free(v->leaves);
    PyMem_Free(v->buf);
    Py_TYPE(v)->tp_free((PyObject *)v);
}

static PyMethodDef Verifier_methods[] = {
    {"hops", (PyCFunction)Verifier_hops, METH_O,
     "Check hop rows in (unit, seq) order; return how many hold before the first that does not."},
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
