// Does a Docker engine answer? Asked through testcontainers' own runtime discovery (DOCKER_HOST,
// ~/.testcontainers.properties, the usual sockets), bounded by a timeout so a dead remote host cannot
// hang the test run. testcontainers is imported lazily: it is heavy and most machines here lack Docker.

let answer: Promise<boolean> | undefined;

export function dockerAvailable(timeoutMs = 3000): Promise<boolean> {
  if (process.env.PURSER_TEST_NO_DOCKER === 'true') return Promise.resolve(false);
  answer ??= (async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const probe = import('testcontainers').then(
      async ({ getContainerRuntimeClient }) => {
        await getContainerRuntimeClient(); // fetches the engine's info: throws when nothing answers
        return true;
      },
      () => false,
    );
    try {
      return await Promise.race([probe.catch(() => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  })();
  return answer;
}
