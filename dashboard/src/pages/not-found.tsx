import { useLang } from '../hooks.js';
import { Link } from '../router.js';

/** Any path the dashboard does not know. */
export function NotFoundPage() {
  const [, t] = useLang();
  return (
    <>
      <h1>{t('page.notFound')}</h1>
      <p>
        <Link href="/">{t('page.toOverview')}</Link>
      </p>
    </>
  );
}
