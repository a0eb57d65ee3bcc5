import { render } from 'preact';
import { useState } from 'preact/hooks';
import { Buckets } from './buckets.js';
import { Deliveries } from './deliveries.js';
import { DeliveryDetail } from './delivery-detail.js';
import { Notifications } from './notifications.js';
import { Objects } from './objects.js';
import { href, useRoute } from './router.js';
import { type Credentials, clearCredentials, loadCredentials } from './session.js';
import { SignIn } from './sign-in.js';
import { Tester } from './tester.js';

function App() {
  const [creds, setCreds] = useState<Credentials | undefined>(loadCredentials);
  const route = useRoute();
  if (!creds) return <SignIn onSignedIn={setCreds} />;
  const [section = 'buckets', arg] = route.path;
  let page = <Buckets creds={creds} />;
  if (section === 'b' && arg) page = <Objects creds={creds} bucket={arg} prefix={route.query.get('prefix') ?? ''} />;
  else if (section === 'deliveries' && arg) page = <DeliveryDetail creds={creds} id={arg} />;
  else if (section === 'deliveries') page = <Deliveries creds={creds} />;
  else if (section === 'tester') page = <Tester creds={creds} />;
  else if (section === 'notifications') page = <Notifications creds={creds} bucket={route.query.get('bucket') ?? ''} />;
  const tab = (name: string, label: string) => (
    <a href={href([name])} class={section === name || (name === 'buckets' && section === 'b') ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <span class="brand">ossd console</span>
        <nav>
          {tab('buckets', 'Buckets')}
          {tab('deliveries', 'Callback deliveries')}
          {tab('tester', 'Callback tester')}
          {tab('notifications', 'Retries & notifications')}
        </nav>
        <span class="who">
          {creds.accessKeyId}{' '}
          <button
            type="button"
            class="link"
            onClick={() => {
              clearCredentials();
              setCreds(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
