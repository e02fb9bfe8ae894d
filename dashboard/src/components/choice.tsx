/** One option of a segmented choice. */
export interface ChoiceOption<T extends string> {
  value: T;
  label: string;
}

/**
 * A segmented control built from native radio buttons: one tab stop, arrow keys move the choice,
 * and screen readers announce it as a group with its legend.
 */
export function Choice<T extends string>({
  legend,
  name,
  value,
  options,
  onChange,
  testId,
}: {
  legend: string;
  name: string;
  value: T;
  options: readonly ChoiceOption<T>[];
  onChange: (value: T) => void;
  testId?: string;
}) {
  return (
    <fieldset class="choice" data-testid={testId}>
      <legend>{legend}</legend>
      <div class="choice-options">
        {options.map((o) => (
          <label key={o.value} class={o.value === value ? 'checked' : undefined}>
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={o.value === value}
              onChange={() => onChange(o.value)}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
