// SHAKE (matrix form, Newton) and RATTLE for clusters of coupled distance constraints, one cluster at a
// time: the same equations as solvers/md/constraints.py (its module docstring), which is the reference
// these kernels are tested against. Constraint a joins atoms i_a, j_a (r_a = r_i - r_j, minimum image in a
// rectangular box when box is not null); w = 1 / mass.
//   coupling  C_ab = w_{i_a} ([i_a = i_b] - [i_a = j_b]) + w_{j_a} ([j_a = j_b] - [j_a = i_b])
//   RATTLE    sum_b (r_a . r_b) C_ab mu_b = r_a . v_a,       v_i -= w_i sum_a mu_a S_ia r_a
//   SHAKE     sum_b 2 (r_a . s_b) C_ab lam_b = d_a^2 - |r_a|^2, r_i += w_i sum_a lam_a S_ia s_a  (until converged)
// SETTLE below handles rigid waters analytically. Clusters are independent (they share no atoms), so they run in parallel. Linear algebra in double.
#include <cmath>
#include <cstdint>
#include <vector>

template <typename T>
static inline T nearest(T x) {
    return (T)(int64_t)(x + (x >= 0 ? (T)0.5 : (T)-0.5));
}

template <typename T>
static inline void separation(const T* R, int64_t i, int64_t j, const double* box, double* d) {
    for (int k = 0; k < 3; ++k) {
        double x = (double)R[3 * i + k] - (double)R[3 * j + k];
        if (box) x -= box[k] * nearest(x / box[k]);
        d[k] = x;
    }
}

// Solve A x = b (A: k x k row-major, overwritten) by Gaussian elimination with partial pivoting.
static bool solve(std::vector<double>& A, std::vector<double>& b, int k) {
    for (int c = 0; c < k; ++c) {
        int p = c;
        for (int r = c + 1; r < k; ++r)
            if (std::fabs(A[r * k + c]) > std::fabs(A[p * k + c])) p = r;
        if (A[p * k + c] == 0.0) return false;
        if (p != c) {
            for (int q = 0; q < k; ++q) std::swap(A[c * k + q], A[p * k + q]);
            std::swap(b[c], b[p]);
        }
        for (int r = c + 1; r < k; ++r) {
            const double f = A[r * k + c] / A[c * k + c];
            for (int q = c; q < k; ++q) A[r * k + q] -= f * A[c * k + q];
            b[r] -= f * b[c];
        }
    }
    for (int c = k - 1; c >= 0; --c) {
        double s = b[c];
        for (int q = c + 1; q < k; ++q) s -= A[c * k + q] * b[q];
        b[c] = s / A[c * k + c];
    }
    return true;
}

static inline double coupling(const int64_t* pairs, const double* w, int64_t a, int64_t b) {
    const int64_t ia = pairs[2 * a], ja = pairs[2 * a + 1], ib = pairs[2 * b], jb = pairs[2 * b + 1];
    return w[ia] * ((ia == ib) - (ia == jb)) + w[ja] * ((ja == jb) - (ja == ib));
}

template <typename T>
static void rattle(const T* R, T* V, const double* w, const double* box, const int64_t* pairs, const int64_t* rows,
                   const int64_t* start, int64_t n_clusters, int threads) {
#pragma omp parallel num_threads(threads)
    {
    std::vector<double> r, A, mu;  // each thread's scratch, reused: an allocation per cluster cost more than RATTLE
#pragma omp for schedule(dynamic, 64)
    for (int64_t c = 0; c < n_clusters; ++c) {
        const int64_t* row = rows + start[c];
        const int k = (int)(start[c + 1] - start[c]);
        r.resize(3 * k), A.resize(k * k), mu.resize(k);
        for (int a = 0; a < k; ++a) {
            const int64_t i = pairs[2 * row[a]], j = pairs[2 * row[a] + 1];
            separation(R, i, j, box, &r[3 * a]);
            double rv = 0;
            for (int q = 0; q < 3; ++q) rv += r[3 * a + q] * ((double)V[3 * i + q] - (double)V[3 * j + q]);
            mu[a] = rv;
        }
        for (int a = 0; a < k; ++a)
            for (int b = 0; b < k; ++b) {
                const double dot = r[3 * a] * r[3 * b] + r[3 * a + 1] * r[3 * b + 1] + r[3 * a + 2] * r[3 * b + 2];
                A[a * k + b] = dot * coupling(pairs, w, row[a], row[b]);
            }
        if (!solve(A, mu, k)) continue;  // a degenerate cluster (zero-length bond) is left for the caller's check
        for (int a = 0; a < k; ++a) {
            const int64_t i = pairs[2 * row[a]], j = pairs[2 * row[a] + 1];
            for (int q = 0; q < 3; ++q) {
                V[3 * i + q] -= (T)(w[i] * mu[a] * r[3 * a + q]);
                V[3 * j + q] += (T)(w[j] * mu[a] * r[3 * a + q]);
            }
        }
    }
    }
}

// Returns the number of clusters that did not converge; worst[0] receives one of their constraint rows.
template <typename T>
static int64_t shake(T* R, const T* R_old, const double* w, const double* box, const int64_t* pairs,
                     const double* d2, const int64_t* rows, const int64_t* start, int64_t n_clusters, double tolerance,
                     int max_iterations, int64_t* worst, int threads) {
    int64_t failed = 0;
#pragma omp parallel num_threads(threads)
    {
    std::vector<double> s, r, A, lam;  // each thread's scratch, reused across its clusters
#pragma omp for schedule(dynamic, 64) reduction(+ : failed)
    for (int64_t c = 0; c < n_clusters; ++c) {
        const int64_t* row = rows + start[c];
        const int k = (int)(start[c + 1] - start[c]);
        s.resize(3 * k), r.resize(3 * k), A.resize(k * k), lam.resize(k);
        for (int a = 0; a < k; ++a) separation(R_old, pairs[2 * row[a]], pairs[2 * row[a] + 1], box, &s[3 * a]);
        bool converged = false;
        for (int it = 0; it <= max_iterations; ++it) {
            double rel = 0;
            for (int a = 0; a < k; ++a) {
                separation(R, pairs[2 * row[a]], pairs[2 * row[a] + 1], box, &r[3 * a]);
                const double rr = r[3 * a] * r[3 * a] + r[3 * a + 1] * r[3 * a + 1] + r[3 * a + 2] * r[3 * a + 2];
                lam[a] = d2[row[a]] - rr;
                rel = std::fmax(rel, std::fabs(lam[a]) / d2[row[a]]);
            }
            if (rel < tolerance) {
                converged = true;
                break;
            }
            if (it == max_iterations) break;
            for (int a = 0; a < k; ++a)
                for (int b = 0; b < k; ++b) {
                    const double dot = r[3 * a] * s[3 * b] + r[3 * a + 1] * s[3 * b + 1] + r[3 * a + 2] * s[3 * b + 2];
                    A[a * k + b] = 2 * dot * coupling(pairs, w, row[a], row[b]);
                }
            if (!solve(A, lam, k)) break;
            for (int a = 0; a < k; ++a) {
                const int64_t i = pairs[2 * row[a]], j = pairs[2 * row[a] + 1];
                for (int q = 0; q < 3; ++q) {
                    R[3 * i + q] += (T)(w[i] * lam[a] * s[3 * a + q]);
                    R[3 * j + q] -= (T)(w[j] * lam[a] * s[3 * a + q]);
                }
            }
        }
        if (!converged) {
            failed += 1;
#pragma omp critical
            worst[0] = row[0];
        }
    }
    }
    return failed;
}


// SETTLE (Miyamoto & Kollman 1992) for rigid waters (oxygen, two hydrogens of one mass), the same steps as
// solvers/md/settle.py. Returns the oxygen of the first water without a rigid solution, or -1.
template <typename T>
static int64_t settle(T* R, const T* R_old, const double* mass, const double* box, const int64_t* atoms,
                      const double* d_oh, const double* d_hh, int64_t n_waters, int threads) {
    int64_t failed = -1;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t w = 0; w < n_waters; ++w) {
        const int64_t o = atoms[3 * w], h1 = atoms[3 * w + 1], h2 = atoms[3 * w + 2];
        const double m_o = mass[o], m_h = mass[h1], total = m_o + 2 * m_h;
        const double rc = 0.5 * d_hh[w], height = std::sqrt(d_oh[w] * d_oh[w] - rc * rc);
        const double ra = 2 * m_h * height / total, rb = height - ra;
        double b0[3], c0[3], b1[3], c1[3], a1[3], com[3];
        separation(R_old, h1, o, box, b0);
        separation(R_old, h2, o, box, c0);
        separation(R, h1, o, box, b1);
        separation(R, h2, o, box, c1);
        for (int k = 0; k < 3; ++k) {
            com[k] = m_h * (b1[k] + c1[k]) / total;
            a1[k] = -com[k];
            b1[k] -= com[k];
            c1[k] -= com[k];
        }
        auto cross = [](const double* a, const double* b, double* out) {
            out[0] = a[1] * b[2] - a[2] * b[1];
            out[1] = a[2] * b[0] - a[0] * b[2];
            out[2] = a[0] * b[1] - a[1] * b[0];
        };
        auto dot = [](const double* a, const double* b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; };
        double n0[3], ex[3], ey[3], ez[3];
        cross(b0, c0, n0);
        cross(a1, n0, ex);
        cross(n0, ex, ey);
        const double nx = std::sqrt(dot(ex, ex)), ny = std::sqrt(dot(ey, ey)), nz = std::sqrt(dot(n0, n0));
        for (int k = 0; k < 3; ++k) {
            ex[k] /= nx;
            ey[k] /= ny;
            ez[k] = n0[k] / nz;
        }
        const double xb0 = dot(b0, ex), yb0 = dot(b0, ey), xc0 = dot(c0, ex), yc0 = dot(c0, ey);
        const double za1 = dot(a1, ez);
        const double xb1 = dot(b1, ex), yb1 = dot(b1, ey), zb1 = dot(b1, ez);
        const double xc1 = dot(c1, ex), yc1 = dot(c1, ey), zc1 = dot(c1, ez);
        const double sin_phi = za1 / ra, cos_phi2 = 1 - sin_phi * sin_phi;
        const double sin_psi = (zb1 - zc1) / (2 * rc * std::sqrt(std::fmax(cos_phi2, 0.0)));
        const double cos_psi2 = 1 - sin_psi * sin_psi;
        const double cos_phi = std::sqrt(std::fmax(cos_phi2, 0.0)), cos_psi = std::sqrt(std::fmax(cos_psi2, 0.0));
        const double ya2 = ra * cos_phi, xb2 = -rc * cos_psi;
        const double t1 = -rb * cos_phi, t2 = rc * sin_psi * sin_phi, yb2 = t1 - t2, yc2 = t1 + t2;
        const double alpha = xb2 * (xb0 - xc0) + yb0 * yb2 + yc0 * yc2;
        const double beta = xb2 * (yc0 - yb0) + xb0 * yb2 + xc0 * yc2;
        const double gamma = xb0 * yb1 - xb1 * yb0 + xc0 * yc1 - xc1 * yc0;
        const double ab2 = alpha * alpha + beta * beta, disc = ab2 - gamma * gamma;
        if (!(cos_phi2 > 0) || !(cos_psi2 > 0) || !(disc >= 0) || !std::isfinite(disc)) {
#pragma omp critical
            if (failed < 0 || o < failed) failed = o;
            continue;
        }
        const double sin_t = (alpha * gamma - beta * std::sqrt(disc)) / ab2;
        const double cos_t = std::sqrt(std::fmax(1 - sin_t * sin_t, 0.0));
        const double local[3][3] = {{-ya2 * sin_t, ya2 * cos_t, za1},
                                    {xb2 * cos_t - yb2 * sin_t, xb2 * sin_t + yb2 * cos_t, zb1},
                                    {-xb2 * cos_t - yc2 * sin_t, -xb2 * sin_t + yc2 * cos_t, zc1}};
        const double* before[3] = {a1, b1, c1};
        const int64_t atom[3] = {o, h1, h2};
        for (int a = 0; a < 3; ++a)
            for (int k = 0; k < 3; ++k) {
                const double lab = local[a][0] * ex[k] + local[a][1] * ey[k] + local[a][2] * ez[k];
                R[3 * atom[a] + k] += (T)(lab - before[a][k]);
            }
    }
    return failed;
}

extern "C" {
void rattle_f32(const float* R, float* V, const double* w, const double* box, const int64_t* pairs,
                const int64_t* rows, const int64_t* start, int64_t n_clusters, int threads) {
    rattle<float>(R, V, w, box, pairs, rows, start, n_clusters, threads);
}
void rattle_f64(const double* R, double* V, const double* w, const double* box, const int64_t* pairs,
                const int64_t* rows, const int64_t* start, int64_t n_clusters, int threads) {
    rattle<double>(R, V, w, box, pairs, rows, start, n_clusters, threads);
}
void shake_f32(float* R, const float* R_old, const double* w, const double* box, const int64_t* pairs,
               const double* d2, const int64_t* rows, const int64_t* start, int64_t n_clusters, double tolerance,
               int max_iterations, int64_t* worst, int threads, int64_t* failed) {
    failed[0] = shake<float>(R, R_old, w, box, pairs, d2, rows, start, n_clusters, tolerance, max_iterations, worst,
                             threads);
}
void shake_f64(double* R, const double* R_old, const double* w, const double* box, const int64_t* pairs,
               const double* d2, const int64_t* rows, const int64_t* start, int64_t n_clusters, double tolerance,
               int max_iterations, int64_t* worst, int threads, int64_t* failed) {
    failed[0] = shake<double>(R, R_old, w, box, pairs, d2, rows, start, n_clusters, tolerance, max_iterations, worst,
                              threads);
}
void settle_f32(float* R, const float* R_old, const double* mass, const double* box, const int64_t* atoms,
                const double* d_oh, const double* d_hh, int64_t n_waters, int threads, int64_t* failed) {
    failed[0] = settle<float>(R, R_old, mass, box, atoms, d_oh, d_hh, n_waters, threads);
}
void settle_f64(double* R, const double* R_old, const double* mass, const double* box, const int64_t* atoms,
                const double* d_oh, const double* d_hh, int64_t n_waters, int threads, int64_t* failed) {
    failed[0] = settle<double>(R, R_old, mass, box, atoms, d_oh, d_hh, n_waters, threads);
}
}
