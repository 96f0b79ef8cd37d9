import { field } from './api.server';

/** What the endpoint forms send back for the API: the URL, the note and the event types checked. */
export function endpointFields(form: FormData) {
  return {
    url: field(form, 'url'),
    description: field(form, 'description'),
    eventTypes: form.getAll('eventTypes').filter((type): type is string => typeof type === 'string'),
  };
}
