// Direct-space non-bonded pair sum with analytic gradients: Lennard-Jones (optionally switched) plus
// Coulomb (plain, reaction field or Ewald erfc), for a list of pairs i < j, in one pass (OpenMP).
//
// For each pair with minimum-image distance r (rectangular box, or none) below the cutoff:
//   E_LJ   = 4 eps_ij (s^12 - s^6) S(r),   s = sigma_ij / r,  sigma_ij = (sigma_i + sigma_j) / 2,
//            eps_ij = sqrt(eps_i) sqrt(eps_j),  S = 1 - 10 x^3 + 15 x^4 - 6 x^5,  x = (r - r_s) / (r_c - r_s)
//   E_C    = q_i q_j f(r),  f = 1/r (coulomb = 0), 1/r + k_rf r^2 - c_rf (1), erfc(alpha r)/r (2)
// energy[0] += E_LJ, energy[1] += E_C (double accumulators), and, when grad is not null,
// grad[i] += dE/dr_i with E = E_LJ + coulomb_scale * E_C (grad[j] gets the opposite). The same equations
// as physics/forcefields/biomolecular/nonbonded.py, which is the reference this kernel is tested against.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>
#ifdef _OPENMP
#include <omp.h>
#endif

// The nearest integer to x (halves away from zero) by a truncating conversion: one instruction on every
// target, where std::nearbyint is a library call without SSE4.1. Pairs exactly half a box apart have the
// same distance either way.
template <typename T>
static inline T nearest32(T x) {  // for |x| < 2^31
    return (T)(int32_t)(x + (x >= 0 ? (T)0.5 : (T)-0.5));
}
template <typename T>
static inline T nearest(T x) {
    return (T)(int64_t)(x + (x >= 0 ? (T)0.5 : (T)-0.5));
}

// erfc(x) for x >= 0, given exp(-x^2). Float: Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7, float's own
// rounding for values up to 1), which shares exp(-x^2) with the force and avoids erfcf's slower library call.
static inline float complementary_error(float x, float gauss) {
    const float t = 1.0f / (1.0f + 0.3275911f * x);
    return t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))) *
           gauss;
}

// Double: erfc(x) = exp(-x^2) erfcx(x), erfcx(x) = exp(x^2) erfc(x) smooth and slowly varying, as a Chebyshev
// series of degree ERFCX_DEGREE on each of ERFCX_INTERVALS intervals of width ERFCX_WIDTH over [0, 8) (relative error
// ~2e-15 against torch.special.erfcx), so the loop vectorises where the library's erfc is a call per pair. The
// series are interpolated once, at the Chebyshev nodes, from the library's erfc. Beyond 8, erfc < 1e-28: the last
// interval's series stands in (times exp(-x^2), the product is negligible either way).
constexpr int ERFCX_INTERVALS = 32, ERFCX_DEGREE = 12;
constexpr double ERFCX_WIDTH = 0.25;

struct ErfcxSeries {
    double c[ERFCX_INTERVALS][ERFCX_DEGREE + 1];
    ErfcxSeries() {
        const int N = ERFCX_DEGREE + 1;
        for (int k = 0; k < ERFCX_INTERVALS; ++k) {
            const double centre = (k + 0.5) * ERFCX_WIDTH;
            long double f[N];
            for (int q = 0; q < N; ++q) {
                const long double t = std::cos(M_PI * (q + 0.5) / N), x = centre + t * ERFCX_WIDTH / 2;
                f[q] = std::exp(x * x) * std::erfc(x);
            }
            for (int j = 0; j < N; ++j) {
                long double sum = 0;
                for (int q = 0; q < N; ++q) sum += f[q] * std::cos(M_PI * j * (q + 0.5) / N);
                c[k][j] = (double)((j == 0 ? 1.0L : 2.0L) * sum / N);
            }
        }
    }
};

static const ErfcxSeries& erfcx_series() {
    static const ErfcxSeries series;  // built on first use (thread-safe static initialisation)
    return series;
}

// erfcx(x) for x >= 0 from the flat table of ErfcxSeries::c.
static inline double erfcx_of(double x, const double* table) {
    const double top = ERFCX_INTERVALS * ERFCX_WIDTH;
    const double xc = x < top ? x : top * (1 - 1e-15);
    const int k = (int)(xc * (1 / ERFCX_WIDTH));
    const double t = (xc - (k + 0.5) * ERFCX_WIDTH) * (2 / ERFCX_WIDTH);
    const int row = k * (ERFCX_DEGREE + 1);  // table[row + j], not a row pointer: GCC gathers only base + index
    double b1 = 0, b2 = 0;  // Clenshaw's recurrence, unrolled so that the caller's loop vectorises
#pragma GCC unroll 16
    for (int j = ERFCX_DEGREE; j >= 1; --j) {
        const double b0 = table[row + j] + 2 * t * b1 - b2;
        b2 = b1;
        b1 = b0;
    }
    return table[row] + t * b1 - b2;
}

// exp(x) for x <= 0 in plain arithmetic, so the compiler can vectorise the loop that calls it (the library's
// expf is a call). Float: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, Cephes' degree-6 minimax polynomial
// for exp(r) (relative error ~1e-7, float's rounding), and 2^n built in the exponent bits. Double: the same
// reduction with ln 2 in two parts (Cody & Waite) and the Taylor series of exp(r) to degree 13 (error ~4e-18).
static inline double exp_nonpositive(double x) {
    x = x < -708.0 ? -708.0 : x;  // exp(-708) ~ 3e-308: the smallest normal double's neighbourhood
    const double n = (double)(int32_t)(x * 1.4426950408889634 - 0.5);  // round to nearest for x <= 0
    const double r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;  // ln 2 in two parts
    double p = 1.0 / 6227020800.0;  // 1/13!
    const double inverse_factorials[13] = {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
                                           1.0 / 40320.0,     1.0 / 5040.0,     1.0 / 720.0,     1.0 / 120.0,
                                           1.0 / 24.0,        1.0 / 6.0,        0.5,             1.0,
                                           1.0};
#pragma GCC unroll 16
    for (int m = 0; m < 13; ++m) p = p * r + inverse_factorials[m];
    const int64_t bits = (int64_t)((int32_t)n + 1023) << 52;
    double scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}
static inline float exp_nonpositive(float x) {
    x = x < -87.0f ? -87.0f : x;  // exp(-87) ~ 1.6e-38: the smallest normal float's neighbourhood
    const float n = (float)(int32_t)(x * 1.44269504088896341f - 0.5f);  // round to nearest for x <= 0
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

constexpr int CHUNK = 128;  // pairs per pass: small enough for the stack, long enough for the vector loop

template <typename T>
struct PairConstants {
    T rs, inv_width;
    bool switched;
    const double* erfcx;  // double only: ErfcxSeries's table
    T a, two_a_over_sqrt_pi, krf, crf, kc;
};

// The energies of m pairs (squared distance rr, charge product qq, sigma sg, epsilon ep) in ulj and uc, and their
// dE/dr / r in fr, each times its mask inside[c] (1 within the cutoff, else 0): one loop without branches (the
// Coulomb kind is a template argument) and without a reduction (whose private copies GCC zeroes with a memset that
// stops the vectoriser), which the compiler vectorises.
template <int COULOMB, typename T>
static inline void pair_terms(int m, const T* rr, const T* qq, const T* sg, const T* ep, T* fr, T* ulj, T* uc,
                              const PairConstants<T>& k, const T* inside) {
    const double* erfcx = k.erfcx;
#pragma omp simd
    for (int c = 0; c < m; ++c) {
        const T r2 = rr[c], r = std::sqrt(r2), inv_r = (T)1 / r;
        const T s2 = sg[c] * sg[c] * inv_r * inv_r, s6 = s2 * s2 * s2;
        T u_lj = 4 * ep[c] * (s6 * s6 - s6);
        T du_lj = 4 * ep[c] * (-12 * s6 * s6 + 6 * s6) * inv_r;  // dE/dr
        // the switch, branch-free: x = 0 (S = 1, S' = 0) below r_s and without a switch
        const T over = r - k.rs, x = (k.switched && over > 0 ? over : (T)0) * k.inv_width;
        const T sw = 1 - x * x * x * (10 - 15 * x + 6 * x * x);
        const T dsw = -30 * x * x * (1 - 2 * x + x * x) * k.inv_width;
        du_lj = du_lj * sw + u_lj * dsw;
        u_lj *= sw;
        T u_c, du_c;
        if constexpr (COULOMB == 2) {
            const T gauss = exp_nonpositive(-k.a * k.a * r2);
            T erfc_ar;
            if constexpr (std::is_same<T, double>::value)
                erfc_ar = gauss * erfcx_of(k.a * r, erfcx);
            else
                erfc_ar = complementary_error(k.a * r, gauss);
            u_c = qq[c] * erfc_ar * inv_r;
            du_c = -qq[c] * (erfc_ar * inv_r + k.two_a_over_sqrt_pi * gauss) * inv_r;
        } else if constexpr (COULOMB == 1) {
            u_c = qq[c] * (inv_r + k.krf * r2 - k.crf);
            du_c = qq[c] * (-inv_r * inv_r + 2 * k.krf * r);
        } else {
            u_c = qq[c] * inv_r;
            du_c = -qq[c] * inv_r * inv_r;
        }
        const T in = inside[c];  // 1 or 0: pairs beyond the cutoff (evaluated at it) are masked
        ulj[c] = in * u_lj;
        uc[c] = in * u_c;
        fr[c] = in * ((du_lj + k.kc * du_c) * inv_r);  // dE/dr_i = (dE/dr) d / r
    }
}

// Per-atom parameters: charges, and the LJ sigma and sqrt(epsilon) of the Lorentz-Berthelot rules, or (types not
// null) CHARMM's NBFIX pair table as sigma and epsilon per pair of types [n_types * n_types]
template <typename T>
struct Atoms {
    const T *q, *sigma, *sqrt_eps;
    const int32_t* types;
    int64_t n_types;
    const T *sigma_table, *eps_table;
};

// pass 1 of a chunk (see pair_sum): displacements, squared distances and parameters of m pairs, vectorised
template <bool TABLE, typename T>
static inline void gather(int m, const int32_t* pp, const T* R, const Atoms<T>& at, const T* L, const T* invL,
                          bool cut, T rc2, T* dx, T* dy, T* dz, T* rr, T* qq, T* sg, T* ep, int32_t* ii, int32_t* jj,
                          T* inside) {
#pragma omp simd
    for (int c = 0; c < m; ++c) {
        const int32_t i = pp[2 * c], j = pp[2 * c + 1];
        T d0 = R[3 * i] - R[3 * j], d1 = R[3 * i + 1] - R[3 * j + 1], d2 = R[3 * i + 2] - R[3 * j + 2];
        d0 -= L[0] * nearest32(d0 * invL[0]);  // minimum image; L = invL = 0 without a box
        d1 -= L[1] * nearest32(d1 * invL[1]);
        d2 -= L[2] * nearest32(d2 * invL[2]);
        const T r2 = d0 * d0 + d1 * d1 + d2 * d2;
        const bool in = !cut || r2 < rc2;
        // a pair beyond the cutoff is evaluated at the cutoff, so its masked terms are finite even for
        // atoms absurdly far apart (inf * 0 would be NaN)
        dx[c] = d0, dy[c] = d1, dz[c] = d2, rr[c] = in ? r2 : rc2;
        qq[c] = at.q[i] * at.q[j];
        if constexpr (TABLE) {
            const int64_t t = (int64_t)at.types[i] * at.n_types + at.types[j];
            sg[c] = at.sigma_table[t];
            ep[c] = at.eps_table[t];
        } else {
            sg[c] = (T)0.5 * (at.sigma[i] + at.sigma[j]);
            ep[c] = at.sqrt_eps[i] * at.sqrt_eps[j];
        }
        ii[c] = i, jj[c] = j;
        inside[c] = in ? (T)1 : (T)0;
    }
}

template <typename T>
static void pair_sum(const T* R, int64_t n, const int32_t* pairs, int64_t n_pairs, const Atoms<T>& at,
                     const double* box, int coulomb, double cutoff, double r_switch, double alpha, double k_rf,
                     double c_rf, double coulomb_scale, T* grad, double* energy, int threads) {
    const bool periodic = box != nullptr, cut = cutoff > 0, switched = cut && r_switch >= 0;
    const T L[3] = {periodic ? (T)box[0] : (T)0, periodic ? (T)box[1] : (T)0, periodic ? (T)box[2] : (T)0};
    const T invL[3] = {periodic ? (T)1 / L[0] : (T)0, periodic ? (T)1 / L[1] : (T)0, periodic ? (T)1 / L[2] : (T)0};
    const T rc2 = (T)(cutoff * cutoff), rs = (T)r_switch, inv_width = switched ? (T)(1.0 / (cutoff - r_switch)) : 0;
    const T a = (T)alpha, two_a_over_sqrt_pi = (T)(2.0 * alpha / std::sqrt(M_PI)), krf = (T)k_rf, crf = (T)c_rf;
    const T kc = (T)coulomb_scale;
    const PairConstants<T> k{rs, inv_width, switched, &erfcx_series().c[0][0], a, two_a_over_sqrt_pi, krf, crf, kc};
    if (threads < 1) threads = 1;
    std::vector<T> buffers(grad ? (size_t)threads * 3 * n : 0, (T)0);
    double e_lj = 0, e_c = 0;
#pragma omp parallel num_threads(threads) reduction(+ : e_lj, e_c)
    {
        int t = 0, n_threads = 1;
#ifdef _OPENMP
        t = omp_get_thread_num();
        n_threads = omp_get_num_threads();
#endif
        T* g = grad ? buffers.data() + (size_t)t * 3 * n : nullptr;
        // a contiguous share of the pairs per thread; pairs come sorted by i, so the force on i is summed in
        // registers over its run and stored once
        const int64_t lo = n_pairs * t / n_threads, hi = n_pairs * (t + 1) / n_threads;
        int64_t current = -1;
        T gi[3] = {0, 0, 0};
        // three passes per chunk, the first two vectorised: (1) gather the minimum-image displacements and
        // parameters of every pair (vector gathers) with a 0/1 mask for the cutoff, (2) the energies and dE/dr / r
        // in one branch-free loop, masked (pairs beyond the cutoff are finite), (3) scatter the forces of the pairs
        // inside the cutoff.
        // Both loops vectorise only with -fno-trapping-math (sciml.runtime.native.TUNED): otherwise GCC may not
        // if-convert the selects, and this kernel ran 2.3x slower in float32.
        alignas(64) T dx[CHUNK], dy[CHUNK], dz[CHUNK], rr[CHUNK], qq[CHUNK], sg[CHUNK], ep[CHUNK], fr[CHUNK];
        alignas(64) T ulj[CHUNK], uc[CHUNK];
        int32_t ii[CHUNK], jj[CHUNK];
        alignas(64) T inside[CHUNK];
        int32_t keep[CHUNK];
        for (int64_t p0 = lo; p0 < hi; p0 += CHUNK) {
            const int64_t p1 = p0 + CHUNK < hi ? p0 + CHUNK : hi;
            const int m = (int)(p1 - p0);
            const int32_t* pp = pairs + 2 * p0;
            if (at.types)
                gather<true>(m, pp, R, at, L, invL, cut, rc2, dx, dy, dz, rr, qq, sg, ep, ii, jj, inside);
            else
                gather<false>(m, pp, R, at, L, invL, cut, rc2, dx, dy, dz, rr, qq, sg, ep, ii, jj, inside);
            if (coulomb == 2)
                pair_terms<2>(m, rr, qq, sg, ep, fr, ulj, uc, k, inside);
            else if (coulomb == 1)
                pair_terms<1>(m, rr, qq, sg, ep, fr, ulj, uc, k, inside);
            else
                pair_terms<0>(m, rr, qq, sg, ep, fr, ulj, uc, k, inside);
            double s_lj = 0, s_c = 0;  // double accumulators, summed in vector lanes
#pragma omp simd reduction(+ : s_lj, s_c)
            for (int c = 0; c < m; ++c) s_lj += (double)ulj[c], s_c += (double)uc[c];
            e_lj += s_lj, e_c += s_c;
            if (!g) continue;
            int kept = 0;  // the pairs inside the cutoff, without a branch
            for (int c = 0; c < m; ++c) {
                keep[kept] = c;
                kept += inside[c] != (T)0;
            }
            for (int e = 0; e < kept; ++e) {
                const int c = keep[e];
                const int32_t i = ii[c], j = jj[c];
                if (i != current) {
                    if (current >= 0)
                        for (int k = 0; k < 3; ++k) g[3 * current + k] += gi[k];
                    current = i;
                    gi[0] = gi[1] = gi[2] = 0;
                }
                const T fx = fr[c] * dx[c], fy = fr[c] * dy[c], fz = fr[c] * dz[c];
                gi[0] += fx, gi[1] += fy, gi[2] += fz;
                g[3 * j] -= fx, g[3 * j + 1] -= fy, g[3 * j + 2] -= fz;
            }
        }
        if (g && current >= 0)
            for (int k = 0; k < 3; ++k) g[3 * current + k] += gi[k];
    }
    if (grad) {
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t k = 0; k < 3 * n; ++k) {
            T s = 0;
            for (int t = 0; t < threads; ++t) s += buffers[(size_t)t * 3 * n + k];
            grad[k] = s;
        }
    }
    energy[0] = e_lj;
    energy[1] = e_c;
}

// The exceptions (excluded and scaled 1-4 pairs), every one of them, in one pass: their own LJ (sigma, eps) and
// plain Coulomb qq / r (both zero for an exclusion), and with alpha > 0 the removal of what PME's reciprocal sum
// counted for them, -q_i q_j erf(alpha r) / r. energy[0] += LJ, energy[1] += Coulomb (in e^2/nm); grad, when not
// null, += the gradient of LJ + coulomb_scale * Coulomb. Minimum image when box is not null.
template <typename T>
static void exception_sum(const T* R, const int64_t* pairs, int64_t n_pairs, const T* qq, const T* sigma,
                          const T* eps, const T* q, const double* box, double alpha, double coulomb_scale, T* grad,
                          double* energy) {
    const T a = (T)alpha, two_a_over_sqrt_pi = (T)(2.0 * alpha / std::sqrt(M_PI)), kc = (T)coulomb_scale;
    double e_lj = 0, e_c = 0;
    for (int64_t p = 0; p < n_pairs; ++p) {
        const int64_t i = pairs[2 * p], j = pairs[2 * p + 1];
        T d[3];
        for (int k = 0; k < 3; ++k) {
            d[k] = R[3 * i + k] - R[3 * j + k];
            if (box) d[k] -= (T)box[k] * nearest(d[k] / (T)box[k]);
        }
        const T r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], r = std::sqrt(r2), inv_r = (T)1 / r;
        const T s2 = sigma[p] * sigma[p] * inv_r * inv_r, s6 = s2 * s2 * s2;
        const T u_lj = 4 * eps[p] * (s6 * s6 - s6), du_lj = 4 * eps[p] * (-12 * s6 * s6 + 6 * s6) * inv_r;
        T u_c = qq[p] * inv_r, du_c = -qq[p] * inv_r * inv_r;
        if (alpha > 0) {
            const T qiqj = q[i] * q[j], erf_ar = std::erf(a * r);
            u_c -= qiqj * erf_ar * inv_r;
            du_c -= qiqj * (two_a_over_sqrt_pi * std::exp(-a * a * r2) - erf_ar * inv_r) * inv_r;
        }
        e_lj += (double)u_lj;
        e_c += (double)u_c;
        if (grad) {
            const T f = (du_lj + kc * du_c) * inv_r;
            for (int k = 0; k < 3; ++k) {
                grad[3 * i + k] += f * d[k];
                grad[3 * j + k] -= f * d[k];
            }
        }
    }
    energy[0] = e_lj;
    energy[1] = e_c;
}

extern "C" {
void exception_sum_f32(const float* R, const int64_t* pairs, int64_t n_pairs, const float* qq, const float* sigma,
                       const float* eps, const float* q, const double* box, double alpha, double coulomb_scale,
                       float* grad, double* energy) {
    exception_sum<float>(R, pairs, n_pairs, qq, sigma, eps, q, box, alpha, coulomb_scale, grad, energy);
}
void exception_sum_f64(const double* R, const int64_t* pairs, int64_t n_pairs, const double* qq, const double* sigma,
                       const double* eps, const double* q, const double* box, double alpha, double coulomb_scale,
                       double* grad, double* energy) {
    exception_sum<double>(R, pairs, n_pairs, qq, sigma, eps, q, box, alpha, coulomb_scale, grad, energy);
}
void pair_sum_f32(const float* R, int64_t n, const int32_t* pairs, int64_t n_pairs, const float* q,
                  const float* sigma, const float* sqrt_eps, const int32_t* types, int64_t n_types,
                  const float* sigma_table, const float* eps_table, const double* box, int coulomb, double cutoff,
                  double r_switch, double alpha, double k_rf, double c_rf, double coulomb_scale, float* grad,
                  double* energy, int threads) {
    const Atoms<float> at{q, sigma, sqrt_eps, types, n_types, sigma_table, eps_table};
    pair_sum<float>(R, n, pairs, n_pairs, at, box, coulomb, cutoff, r_switch, alpha, k_rf, c_rf, coulomb_scale, grad,
                    energy, threads);
}
void pair_sum_f64(const double* R, int64_t n, const int32_t* pairs, int64_t n_pairs, const double* q,
                  const double* sigma, const double* sqrt_eps, const int32_t* types, int64_t n_types,
                  const double* sigma_table, const double* eps_table, const double* box, int coulomb, double cutoff,
                  double r_switch, double alpha, double k_rf, double c_rf, double coulomb_scale, double* grad,
                  double* energy, int threads) {
    const Atoms<double> at{q, sigma, sqrt_eps, types, n_types, sigma_table, eps_table};
    pair_sum<double>(R, n, pairs, n_pairs, at, box, coulomb, cutoff, r_switch, alpha, k_rf, c_rf, coulomb_scale, grad,
                     energy, threads);
}
}

// Pairs of `pairs` [P, 2] that are neither padding (a negative index) nor exceptions, in order, each written to
// out [P, 2] as (min, max); returns how many. Exceptions come as rows: the partners j > i of atom i are
// targets[offsets[i] .. offsets[i + 1]).
template <typename I>
static int64_t drop_exceptions_of(const I* pairs, int64_t n_pairs, const int64_t* offsets, const int64_t* targets,
                                  int32_t* out, int threads) {
    if (threads < 1) threads = 1;
    std::vector<int64_t> kept(threads + 1, 0);
    std::vector<uint8_t> keep(n_pairs);
    int64_t total = 0;
#pragma omp parallel num_threads(threads)
    {
        int t = 0, nt = 1;
#ifdef _OPENMP
        t = omp_get_thread_num();
        nt = omp_get_num_threads();
#endif
        const int64_t lo = n_pairs * t / nt, hi = n_pairs * (t + 1) / nt;
        int64_t count = 0;
        for (int64_t p = lo; p < hi; ++p) {
            const int64_t a = pairs[2 * p], b = pairs[2 * p + 1];
            const int64_t i = a < b ? a : b, j = a < b ? b : a;
            bool excepted = i < 0;
            if (!excepted)
                for (int64_t e = offsets[i]; e < offsets[i + 1]; ++e) excepted |= targets[e] == j;
            keep[p] = !excepted;
            count += !excepted;
        }
        kept[t + 1] = count;
#pragma omp barrier
#pragma omp single
        {
            for (int u = 0; u < nt; ++u) kept[u + 1] += kept[u];
            total = kept[nt];
        }
        int64_t q = kept[t];
        for (int64_t p = lo; p < hi; ++p)
            if (keep[p]) {
                const int64_t a = pairs[2 * p], b = pairs[2 * p + 1];
                out[2 * q] = (int32_t)(a < b ? a : b);
                out[2 * q + 1] = (int32_t)(a < b ? b : a);
                ++q;
            }
    }
    return total;
}

extern "C" int64_t drop_exceptions(const int64_t* pairs, int64_t n_pairs, const int64_t* offsets,
                                   const int64_t* targets, int32_t* out, int threads) {
    return drop_exceptions_of(pairs, n_pairs, offsets, targets, out, threads);
}
extern "C" int64_t drop_exceptions_i32(const int32_t* pairs, int64_t n_pairs, const int64_t* offsets,
                                       const int64_t* targets, int32_t* out, int threads) {
    return drop_exceptions_of(pairs, n_pairs, offsets, targets, out, threads);
}

// The pairs i < j of a dense neighbour list [n, width] (padding = n, packed at the end of each row), exceptions
// dropped, in row order, as int32 [P, 2] in out (call with max_pairs = 0 to count first); exceptions as in
// drop_exceptions. Returns P. Each row stops at its first padding entry and keeps its pairs without a branch on
// j > i (half of them, in no order a predictor could learn): a write that only advances on a keep.
static inline int64_t kept_of_row(const int32_t* row, int64_t i, int64_t n, int64_t width, const int64_t* offsets,
                                  const int64_t* targets, int32_t* buffer) {
    const int64_t e0 = offsets[i], e1 = offsets[i + 1];
    int64_t k = 0;
    for (int64_t c = 0; c < width; ++c) {
        const int32_t j = row[c];
        if (j >= n) break;
        bool excepted = false;
        for (int64_t e = e0; e < e1; ++e) excepted |= targets[e] == j;
        if (buffer) buffer[k] = j;
        k += (j > i) & !excepted;
    }
    return k;
}

extern "C" int64_t rows_to_pairs(const int32_t* idx, int64_t n, int64_t width, const int64_t* offsets,
                                 const int64_t* targets, int32_t* out, int64_t max_pairs, int threads) {
    std::vector<int64_t> start(n + 1, 0);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t i = 0; i < n; ++i) start[i + 1] = kept_of_row(idx + i * width, i, n, width, offsets, targets, nullptr);
    for (int64_t i = 0; i < n; ++i) start[i + 1] += start[i];
    if (start[n] > max_pairs) return start[n];
#pragma omp parallel num_threads(threads)
    {
        std::vector<int32_t> buffer(width + 1);
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; ++i) {
            const int64_t k = kept_of_row(idx + i * width, i, n, width, offsets, targets, buffer.data());
            int32_t* o = out + 2 * start[i];
            for (int64_t c = 0; c < k; ++c) o[2 * c] = (int32_t)i, o[2 * c + 1] = buffer[c];
        }
    }
    return start[n];
}
