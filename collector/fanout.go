package collector

import (
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

// jobError names the job in its error; nil stays nil.
func jobError(j flinkapi.JobOverview, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("job %s (%s): %w", j.ID, j.Name, err)
}
