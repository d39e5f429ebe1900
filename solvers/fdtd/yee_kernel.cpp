// The Yee curl updates of one half step (the H components, or the E components) for real fields on a CPU,
// in one pass over the grid's rows (OpenMP over rows), out of place or in place (out == old):
//
//   out_c = A_c · old_c + B_c · Σ_t sign_ct · D_ct(src_ct),   then out_c *= keep_c (when given), and out_c = 0
//   on the index-0 plane of each axis with wall_zero set (tangential E on a PEC or PML low wall)
//
// for each component c (at most 3) with its terms t (at most 2). D is the difference along the term's axis
// divided by dx: forward (f[i+1] − f[i], the H update) or backward (f[i] − f[i−1], the E update). Beyond a wall
// the neighbour is zero, except that a backward difference at index 0 uses first_scale · f[0] (2 behind a PMC
// mirror plane); a periodic axis wraps around. Inside the CPML slabs of an axis (its first and last L cells)
// the difference becomes D/κ + ψ with ψ ← b ψ + c D, i.e. D + (1/κ − 1) D + ψ, and the new ψ goes to psi_out
// (psi arrays hold 2L cells along their axis). These are the equations of solvers/fdtd/yee.py (Taflove &
// Hagness, ch. 3 and 7), the reference this kernel is tested against (tests/solvers/test_fdtd_native.py).
//
// Arrays are C-contiguous [n0, n1, n2] with n2 the contiguous axis; callers put singleton axes first so that
// rows are long. A and B are maps (same shape) or scalars (map pointer null). The components are updated a
// row (i, j) at a time, so the source rows that two components share are read from memory once; each
// derivative is formed in a row buffer with straight loops that the compiler vectorises.
#include <cstdint>
#include <vector>
#ifdef _OPENMP
#include <omp.h>
#endif

template <typename T>
struct HalfStep {
    const int64_t* shape;
    const int64_t* periodic;     // [3]
    const int64_t* first_scale;  // [3]
    int64_t forward;
    int64_t ncomp;
    const T* const* old;         // [ncomp]
    T* const* out;               // [ncomp]
    const int64_t* nterms;       // [ncomp]
    const int64_t* term_axis;    // [2 ncomp]
    const T* term_sign;          // [2 ncomp]
    const T* const* term_src;    // [2 ncomp]
    const T* const* psi_in;      // [2 ncomp], null where the term's axis has no CPML
    T* const* psi_out;           // [2 ncomp]
    const int64_t* pml_cells;    // [3]
    const T* const* pml_b;       // [3], 2L values each
    const T* const* pml_c;
    const T* const* pml_ik1;
    const T* const* a_map;       // [ncomp], null: a_scalar
    const T* a_scalar;
    const T* const* b_map;
    const T* b_scalar;
    const T* const* keep;        // [ncomp], null: none
    const int64_t* wall_zero;    // [3 ncomp]
    T inv_dx;
};

template <typename T>
static void derivative_row(const HalfStep<T>& h, int64_t slot, int64_t i, int64_t j, int64_t base, T* d) {
    const int64_t n1 = h.shape[1], n2 = h.shape[2];
    const int64_t stride[2] = {n1 * n2, n2};
    const int64_t a = h.term_axis[slot];
    const T* f = h.term_src[slot] + base;
    const int64_t n = h.shape[a];
    const int64_t L = h.pml_cells[a];
    const T inv_dx = h.inv_dx;
    if (a < 2) {
        const int64_t idx = a == 0 ? i : j;
        const int64_t s = stride[a];
        if (h.forward) {
            if (idx + 1 < n || h.periodic[a]) {
                const T* g = idx + 1 < n ? f + s : f - (n - 1) * s;
                for (int64_t k = 0; k < n2; ++k) d[k] = (g[k] - f[k]) * inv_dx;
            } else {
                for (int64_t k = 0; k < n2; ++k) d[k] = -f[k] * inv_dx;
            }
        } else {
            if (idx > 0 || h.periodic[a]) {
                const T* g = idx > 0 ? f - s : f + (n - 1) * s;
                for (int64_t k = 0; k < n2; ++k) d[k] = (f[k] - g[k]) * inv_dx;
            } else {
                const T scale = (T)h.first_scale[a] * inv_dx;
                for (int64_t k = 0; k < n2; ++k) d[k] = scale * f[k];
            }
        }
        if (L > 0 && (idx < L || idx >= n - L)) {
            const int64_t q = idx < L ? idx : idx - (n - 2 * L);
            const int64_t pbase = a == 0 ? (q * n1 + j) * n2 : (i * 2 * L + q) * n2;
            const T b = h.pml_b[a][q], c = h.pml_c[a][q], ik1 = h.pml_ik1[a][q];
            const T* pi = h.psi_in[slot] + pbase;
            T* po = h.psi_out[slot] + pbase;
            for (int64_t k = 0; k < n2; ++k) {
                const T p = b * pi[k] + c * d[k];
                po[k] = p;
                d[k] += ik1 * d[k] + p;
            }
        }
    } else {
        if (h.forward) {
            for (int64_t k = 0; k + 1 < n2; ++k) d[k] = (f[k + 1] - f[k]) * inv_dx;
            d[n2 - 1] = (h.periodic[2] ? f[0] - f[n2 - 1] : -f[n2 - 1]) * inv_dx;
        } else {
            for (int64_t k = 1; k < n2; ++k) d[k] = (f[k] - f[k - 1]) * inv_dx;
            d[0] = (h.periodic[2] ? f[0] - f[n2 - 1] : (T)h.first_scale[2] * f[0]) * inv_dx;
        }
        if (L > 0) {
            const int64_t pbase = (i * n1 + j) * 2 * L;
            const T* pi = h.psi_in[slot] + pbase;
            T* po = h.psi_out[slot] + pbase;
            const T* bb = h.pml_b[2];
            const T* cc = h.pml_c[2];
            const T* kk = h.pml_ik1[2];
            for (int64_t q = 0; q < 2 * L; ++q) {
                const int64_t k = q < L ? q : n2 - 2 * L + q;
                const T p = bb[q] * pi[q] + cc[q] * d[k];
                po[q] = p;
                d[k] += kk[q] * d[k] + p;
            }
        }
    }
}

template <typename T>
static void half_step(const HalfStep<T>& h, int64_t threads) {
    const int64_t n0 = h.shape[0], n1 = h.shape[1], n2 = h.shape[2];
#pragma omp parallel num_threads((int)(threads > 0 ? threads : 1))
    {
        std::vector<T> curl_row(n2), d_row(n2);
        T* curl = curl_row.data();
        T* d = d_row.data();
#pragma omp for collapse(2) schedule(static)
        for (int64_t i = 0; i < n0; ++i) {
            for (int64_t j = 0; j < n1; ++j) {
                const int64_t base = (i * n1 + j) * n2;
                for (int64_t c = 0; c < h.ncomp; ++c) {
                    for (int64_t t = 0; t < h.nterms[c]; ++t) {
                        const int64_t slot = 2 * c + t;
                        derivative_row(h, slot, i, j, base, t == 0 ? curl : d);
                        if (t == 0) {
                            if (h.term_sign[slot] < 0)
                                for (int64_t k = 0; k < n2; ++k) curl[k] = -curl[k];
                        } else if (h.term_sign[slot] > 0) {
                            for (int64_t k = 0; k < n2; ++k) curl[k] += d[k];
                        } else {
                            for (int64_t k = 0; k < n2; ++k) curl[k] -= d[k];
                        }
                    }
                    const T* o = h.old[c] + base;
                    T* w = h.out[c] + base;
                    const T as = h.a_scalar[c], bs = h.b_scalar[c];
                    const T* am = h.a_map[c];
                    const T* bm = h.b_map[c];
                    if (am && bm) {
                        am += base;
                        bm += base;
                        for (int64_t k = 0; k < n2; ++k) w[k] = am[k] * o[k] + bm[k] * curl[k];
                    } else if (bm) {
                        bm += base;
                        for (int64_t k = 0; k < n2; ++k) w[k] = as * o[k] + bm[k] * curl[k];
                    } else if (am) {
                        am += base;
                        for (int64_t k = 0; k < n2; ++k) w[k] = am[k] * o[k] + bs * curl[k];
                    } else {
                        for (int64_t k = 0; k < n2; ++k) w[k] = as * o[k] + bs * curl[k];
                    }
                    if (h.keep[c]) {
                        const T* m = h.keep[c] + base;
                        for (int64_t k = 0; k < n2; ++k) w[k] *= m[k];
                    }
                    const int64_t* wz = h.wall_zero + 3 * c;
                    if ((wz[0] && i == 0) || (wz[1] && j == 0)) {
                        for (int64_t k = 0; k < n2; ++k) w[k] = 0;
                    } else if (wz[2]) {
                        w[0] = 0;
                    }
                }
            }
        }
    }
}

// Sources applied after a half step (kind 0: after the H half step, 1: after the E half step), in their order:
// field[index[m]] += weight[m] · amplitude[step] (soft), or = weight[m] · amplitude[step] (hard).
template <typename T>
struct Injections {
    int64_t count;
    const int64_t* kind;
    T* const* field;
    const int64_t* hard;
    const int64_t* size;
    const int64_t* const* index;
    const T* const* weight;
    const T* const* amplitude;  // [steps] each
};

// Values recorded after each whole step: out[r][step · size[r] + m] = field[r][index[r][m]].
template <typename T>
struct Recordings {
    int64_t count;
    const T* const* field;
    const int64_t* size;
    const int64_t* const* index;
    T* const* out;
};

template <typename T>
static void inject(const Injections<T>& s, int64_t kind, int64_t step) {
    for (int64_t q = 0; q < s.count; ++q) {
        if (s.kind[q] != kind) continue;
        T* f = s.field[q];
        const int64_t* ix = s.index[q];
        const T* w = s.weight[q];
        const T a = s.amplitude[q][step];
        if (s.hard[q])
            for (int64_t m = 0; m < s.size[q]; ++m) f[ix[m]] = w[m] * a;
        else
            for (int64_t m = 0; m < s.size[q]; ++m) f[ix[m]] += w[m] * a;
    }
}

// `steps` whole steps in place (old == out, psi_in == psi_out in both half steps: each cell's update reads only
// its own previous value and the other kind's fields): H half step, its sources, E half step, its sources, then
// the recordings. h or e may be null (no component of that kind is advanced).
template <typename T>
static void run_steps(const HalfStep<T>* h, const HalfStep<T>* e, const Injections<T>& src,
                      const Recordings<T>& rec, int64_t steps, int64_t threads) {
    for (int64_t s = 0; s < steps; ++s) {
        if (h) half_step(*h, threads);
        inject(src, 0, s);
        if (e) half_step(*e, threads);
        inject(src, 1, s);
        for (int64_t r = 0; r < rec.count; ++r) {
            const T* f = rec.field[r];
            const int64_t* ix = rec.index[r];
            T* o = rec.out[r] + s * rec.size[r];
            for (int64_t m = 0; m < rec.size[r]; ++m) o[m] = f[ix[m]];
        }
    }
}

#define YEE_EXPORT(SUFFIX, T)                                                                                       \
    extern "C" void yee_half_step_##SUFFIX(const HalfStep<T>* h, int64_t threads) { half_step<T>(*h, threads); }   \
    extern "C" void yee_run_##SUFFIX(const HalfStep<T>* h, const HalfStep<T>* e, const Injections<T>* src,        \
                                     const Recordings<T>* rec, int64_t steps, int64_t threads) {                   \
        run_steps<T>(h, e, *src, *rec, steps, threads);                                                            \
    }

YEE_EXPORT(f32, float)
YEE_EXPORT(f64, double)
