package collector

import (
	"errors"
	"fmt"
	"sync"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// parallel runs fn(i) for every i in [0, n) concurrently; the REST client
// bounds how many requests are in flight. It returns each call's error. A
// panic in one call (an answer no test foresaw) becomes that call's error:
// the collectors' own recover does not reach these goroutines, and one
// malformed answer must not take the exporter and every cluster it serves
// down.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("panic: %v", r)
				}
			}()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}

// forEachJob runs fn for every job concurrently and returns the jobs'
// errors joined, each naming its job, so one failing job never hides the
// others.
func forEachJob(jobs []flinkapi.JobOverview, fn func(flinkapi.JobOverview) error) error {
	errs := parallel(len(jobs), func(i int) error {
		if err := fn(jobs[i]); err != nil {
			return fmt.Errorf("job %s (%s): %w", jobs[i].ID, jobs[i].Name, err)
		}
		return nil
	})
	return errors.Join(errs...)
}
