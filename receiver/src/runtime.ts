// The Node.js runtime bpfaudit runs on, and whether its line still gets
// security fixes. Even-numbered lines are supported until April 30th three
// years after their release (the Node.js release schedule); odd-numbered
// lines are never LTS and are not a runtime for a security sensor.
export interface RuntimeSupport {
  version: string;
  /** the LTS codename (process.release.lts), undefined for a Current release */
  lts: string | undefined;
  /** end of life of the line, YYYY-MM-DD; undefined for a line the schedule gives none (odd) */
  endOfLife: string | undefined;
  /** why this runtime should not run bpfaudit, or undefined */
  warning: string | undefined;
}

/** First release year of each even line: EOL is April 30th of that year + 3. */
const FIRST_YEAR_OF_EVEN_LINE = (major: number) => 2013 + major / 2;

export function runtimeSupport(version: string, lts: string | undefined, today: Date): RuntimeSupport {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  const endOfLife = major % 2 === 0 && major >= 4 ? `${FIRST_YEAR_OF_EVEN_LINE(major) + 3}-04-30` : undefined;
  let warning: string | undefined;
  if (!endOfLife) warning = `Node.js ${version} is an odd-numbered line: never LTS, short-lived`;
  else if (today.toISOString().slice(0, 10) > endOfLife) warning = `Node.js ${version} reached end of life on ${endOfLife}: no more security fixes`;
  else if (!lts) warning = `Node.js ${version} is not an LTS release yet`;
  return { version, lts, endOfLife, warning };
}

export function currentRuntime(today = new Date()): RuntimeSupport {
  const lts = (process.release as { lts?: string }).lts;
  return runtimeSupport(process.version, lts, today);
}
