// Thread-pool jobs with a completion on the loop.
#include "uv/work.hpp"

namespace sipdns::uv {

int work::run(fn job, fn done) noexcept {
  if (stopped_) return UV_ECANCELED;
  if (busy_) return UV_EBUSY;
  job_ = std::move(job);
  done_ = std::move(done);
  int r = uv_queue_work(loop_, &req_, on_work, on_done);
  busy_ = r == 0;
  return r;
}

void work::stop() noexcept {
  stopped_ = true;
  // Fails (EBUSY) once the job runs: on_done then drops its completion.
  if (busy_) (void)uv_cancel(reinterpret_cast<uv_req_t*>(&req_));
}

void work::on_work(uv_work_t* req) noexcept {
  auto* self = static_cast<work*>(req->data);
  self->job_();  // jobs catch their own exceptions (control::pipeline does)
}

void work::on_done(uv_work_t* req, int status) noexcept {
  auto* self = static_cast<work*>(req->data);
  self->busy_ = false;
  fn done = std::move(self->done_);
  self->job_ = nullptr;
  if (status < 0 || self->stopped_) return;
  done();
}

}  // namespace sipdns::uv
