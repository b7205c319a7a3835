package collector

import (
	"errors"
	"fmt"
	"sync"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// forEachJob runs fn for every job concurrently; the REST client bounds how
// many requests are in flight. It returns the jobs' errors joined, each
// naming its job, so one failing job never hides the others.
func forEachJob(jobs []flinkapi.JobOverview, fn func(flinkapi.JobOverview) error) error {
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(j); err != nil {
				errs[i] = fmt.Errorf("job %s (%s): %w", j.ID, j.Name, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
